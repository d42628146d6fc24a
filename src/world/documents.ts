/**
 * Documents: short (about 20–40 words) Wikipedia-like texts, each about one entity, stating a few
 * facts in varied phrasings plus filler sentences. Which documents exist decides popularity:
 * - popular people and works get 2–3 documents, and other documents mention them (city documents name
 *   famous people born there, company documents their founders and best-known employees);
 * - long-tail people and works get exactly one document and are mentioned nowhere else.
 * Every fact is stated by at least one document; `factIds` records which (the retrieval oracle).
 */
import { Rng } from '../util';
import { FACT_SENTENCES, FILLER_SENTENCES, WORK_KINDS, capitaliseFirst, fill } from './templates';
import type { Entity, Fact, Relation, WorldDocument } from './types';

const MIN_WORDS = 20;
const MAX_WORDS = 40;

interface DocPlan {
  main: Entity;
  facts: Fact[];
}

export function writeDocuments(entities: readonly Entity[], facts: readonly Fact[], rng: Rng): WorldDocument[] {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const factById = new Map(facts.map((f) => [f.id, f]));
  const byObject = new Map<string, Fact[]>();
  for (const f of facts) if (f.object) byObject.set(`${f.relation}|${f.object}`, [...(byObject.get(`${f.relation}|${f.object}`) ?? []), f]);
  const factOf = (e: Entity, r: Relation) => factById.get(`${e.id}/${r}`)!;
  const withObject = (r: Relation, object: Entity) => byObject.get(`${r}|${object.id}`) ?? [];
  const subjectOf = (f: Fact) => byId.get(f.subject)!;
  const planRng = rng.fork('plans');
  const plans: DocPlan[] = [];

  for (const e of entities) {
    const someOf = (list: Fact[], n: number) => planRng.shuffle(list).slice(0, n);
    switch (e.kind) {
      case 'person': {
        const own = [factOf(e, 'born_in'), factOf(e, 'year_of_birth'), factOf(e, 'works_for')];
        if (!e.popular) {
          plans.push({ main: e, facts: own });
          break;
        }
        const fame = [...withObject('founded_by', e), ...withObject('created_by', e).filter((f) => subjectOf(f).popular)];
        plans.push(...distribute(e, [...own, ...someOf(fame, 2)], 2 + planRng.int(2), planRng));
        break;
      }
      case 'city': {
        const capitalOf = withObject('capital', e);
        const famousNatives = withObject('born_in', e).filter((f) => subjectOf(f).popular);
        const local = [factOf(e, 'located_in'), ...capitalOf, ...someOf(famousNatives, 2), ...someOf(withObject('headquarters', e), 1)];
        plans.push({ main: e, facts: local });
        break;
      }
      case 'country': {
        const capital = factOf(e, 'capital');
        const otherCities = withObject('located_in', e).filter((f) => f.subject !== capital.object);
        plans.push({ main: e, facts: [capital, ...someOf(otherCities, 2)] });
        break;
      }
      case 'company': {
        const employees = withObject('works_for', e).filter((f) => subjectOf(f).popular);
        const own = [factOf(e, 'headquarters'), factOf(e, 'founded_by'), factOf(e, 'founded_year')];
        plans.push(...distribute(e, [...own, ...someOf(employees, 2)], 1 + planRng.int(2), planRng));
        break;
      }
      case 'work': {
        const own = [factOf(e, 'created_by'), factOf(e, 'release_year')];
        plans.push(...(e.popular ? distribute(e, own, 2, planRng) : [{ main: e, facts: own }]));
        break;
      }
    }
  }
  const textRng = rng.fork('texts');
  return plans.map((plan, i) => render(`doc-${i}`, plan, byId, textRng));
}

/** Deal facts round-robin into `n` documents; a document left with one fact gets a second (restated) one. */
function distribute(main: Entity, facts: Fact[], n: number, rng: Rng): DocPlan[] {
  const shuffled = rng.shuffle(facts);
  const plans: DocPlan[] = Array.from({ length: Math.min(n, shuffled.length) }, () => ({ main, facts: [] }));
  shuffled.forEach((f, i) => plans[i % plans.length].facts.push(f));
  for (const plan of plans) {
    if (plan.facts.length < 2 && shuffled.length >= 2) {
      plan.facts.push(rng.choice(shuffled.filter((f) => !plan.facts.includes(f))));
    }
  }
  return plans;
}

function render(id: string, plan: DocPlan, byId: Map<string, Entity>, rng: Rng): WorldDocument {
  const { main } = plan;
  // Facts about the main entity first, so the document opens with what it is about.
  const facts = [...plan.facts.filter((f) => f.subject === main.id), ...plan.facts.filter((f) => f.subject !== main.id)];
  const people = new Set<Entity>();
  const mentioned: Entity[] = [main];
  for (const f of facts) {
    for (const eid of [f.subject, f.object]) {
      const e = eid === undefined ? undefined : byId.get(eid);
      if (e && !mentioned.includes(e)) mentioned.push(e);
    }
  }
  for (const e of mentioned) if (e.kind === 'person') people.add(e);
  const seen = new Set<Entity>();
  const form = (e: Entity): string => {
    const first = !seen.has(e);
    seen.add(e);
    // The formal name ("the Republic of X") only opens a country's own document; elsewhere it would read badly.
    if (e.kind === 'country') return first && e === main && rng.next() < 0.5 ? `the ${e.aliases[0]}` : e.name;
    if (first || e.aliases.length === 0) return e.name;
    // A surname is a fine short form unless another person in this document shares it.
    const shared = e.kind === 'person' && [...people].some((p) => p !== e && p.aliases[0] === e.aliases[0]);
    return shared ? e.name : e.aliases[0];
  };

  const sentences = facts.map((f) => {
    const subject = byId.get(f.subject)!;
    const work = subject.workKind ? WORK_KINDS[subject.workKind] : undefined;
    const template = rng.choice(FACT_SENTENCES[f.relation]);
    // Fill in reading order, so the first mention of each entity gets its full name.
    const sFirst = template.indexOf('{s}') < template.indexOf('{o}');
    const objectText = () => (f.object === undefined ? f.value! : form(byId.get(f.object)!));
    const s1 = sFirst ? form(subject) : objectText();
    const s2 = sFirst ? objectText() : form(subject);
    return fill(template, sFirst ? { s: s1, o: s2 } : { o: s1, s: s2 }, work);
  });

  const words = () => sentences.join(' ').split(/\s+/).length;
  const fillers = rng.shuffle(FILLER_SENTENCES[main.kind]);
  const addFiller = () => {
    const sentence = fill(fillers.pop()!, { s: form(main) });
    sentences.splice(1 + rng.int(sentences.length), 0, sentence);
  };
  while (words() < MIN_WORDS && fillers.length > 0) addFiller();
  if (rng.next() < 0.5 && fillers.length > 0 && words() + 8 <= MAX_WORDS) addFiller();

  return {
    id,
    title: main.name,
    text: sentences.map(capitaliseFirst).join(' '),
    factIds: facts.map((f) => f.id),
    entityIds: mentioned.map((e) => e.id),
  };
}
