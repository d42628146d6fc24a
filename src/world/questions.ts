/**
 * Question sets named after the paper's seven columns, built from hop chains over the facts:
 * a chain (e.g. works_for → headquarters → located_in) starting at an entity gives the hops (one
 * canonical sub-query and sub-answer each) and, through the phrasing tables, the question text.
 *
 * Splits: people, companies and works are partitioned into train / dev / test (stratified by
 * popularity). A question is test if any person, company or work in its hops (asked about or
 * answered) is a test entity, dev likewise, else train; questions touching both dev and test are
 * dropped. So no fact about a held-out entity ever appears in a training question's hops (DESIGN
 * pitfall 5). Cities and countries are shared background knowledge, like capitals in the real world.
 */
import { Rng } from '../util';
import { factAnswer, indexWorld, surfaceForms } from './lookup';
import type { WorldIndex } from './lookup';
import { COMPARISONS, DESCRIPTORS, QUESTION_PHRASINGS, RELATIONS, WORK_KINDS, fill, hopQuery } from './templates';
import type { ComparisonTemplate } from './templates';
import type { Entity, Hop, Question, QuestionKind, QuestionSet, Relation, Split, World } from './types';
import { SPLITS } from './types';

interface SetSpec {
  kind: QuestionKind;
  chains: Relation[][];
  comparisons?: ComparisonTemplate[];
  phrasing: 0 | 1 | 2; // index into QUESTION_PHRASINGS
  descriptor: 0 | 1; // index into DESCRIPTORS
  start: 'popular' | 'longtail' | 'any';
}

const ALL_RELATIONS = Object.keys(RELATIONS) as Relation[];

export const SET_SPECS: Record<QuestionSet, SetSpec> = {
  'micro-nq': { kind: 'single', chains: ALL_RELATIONS.map((r) => [r]), phrasing: 0, descriptor: 0, start: 'popular' },
  'micro-tqa': { kind: 'single', chains: ALL_RELATIONS.map((r) => [r]), phrasing: 1, descriptor: 0, start: 'popular' },
  'micro-popqa': {
    kind: 'single',
    chains: [['born_in'], ['year_of_birth'], ['works_for'], ['created_by'], ['release_year']],
    phrasing: 2,
    descriptor: 0,
    start: 'longtail',
  },
  'micro-hotpotqa': {
    kind: 'bridge',
    chains: [
      ['born_in', 'located_in'],
      ['founded_by', 'born_in'],
      ['works_for', 'headquarters'],
      ['created_by', 'works_for'],
      ['works_for', 'founded_by'],
      ['created_by', 'born_in'],
      ['headquarters', 'located_in'],
    ],
    phrasing: 0,
    descriptor: 0,
    start: 'any',
  },
  'micro-2wiki': {
    kind: 'composition',
    chains: [
      ['founded_by', 'year_of_birth'],
      ['created_by', 'year_of_birth'],
      ['works_for', 'founded_year'],
      ['founded_by', 'works_for'],
    ],
    comparisons: ['born_first', 'founded_first', 'same_birth_city'],
    phrasing: 1,
    descriptor: 0,
    start: 'any',
  },
  'micro-musique': {
    kind: 'chain3',
    chains: [
      ['works_for', 'headquarters', 'located_in'],
      ['created_by', 'born_in', 'located_in'],
      ['founded_by', 'born_in', 'located_in'],
      ['created_by', 'works_for', 'headquarters'],
      ['works_for', 'founded_by', 'born_in'],
    ],
    phrasing: 1,
    descriptor: 0,
    start: 'any',
  },
  // Hard: long-tail starting entities (one document each) and terse phrasings unseen in training.
  'micro-bamboogle': {
    kind: 'bridge',
    chains: [
      ['born_in', 'located_in'],
      ['works_for', 'founded_by'],
      ['created_by', 'works_for'],
      ['works_for', 'headquarters'],
    ],
    phrasing: 2,
    descriptor: 1,
    start: 'longtail',
  },
};

type Candidate = Omit<Question, 'id' | 'split' | 'data_source'>;

export function generateQuestions(world: World, rng: Rng): Question[] {
  const index = indexWorld(world);
  const usedTexts = new Set<string>();
  const questions: Question[] = [];
  for (const [set, spec] of Object.entries(SET_SPECS) as [QuestionSet, SetSpec][]) {
    const sizes = world.config.questions[set] ?? {};
    const setRng = rng.fork(set);
    const candidates = [
      ...spec.chains.flatMap((chain) => chainCandidates(world, index, chain, spec)),
      ...(spec.comparisons ?? []).flatMap((t) => comparisonCandidates(world, index, t, setRng, totalOf(sizes))),
    ];
    const bySplit = new Map<Split, Candidate[]>();
    for (const c of candidates) {
      const split = questionSplit(c.hops, world.entitySplit);
      if (split && (sizes[split] ?? 0) > 0) pushTo(bySplit, split, c);
    }
    for (const split of SPLITS) {
      const picked = pickBalanced(bySplit.get(split) ?? [], sizes[split] ?? 0, usedTexts, setRng);
      picked.forEach((c, i) => {
        questions.push({ id: `${set}-${split}-${String(i).padStart(4, '0')}`, ...c, split, data_source: set });
      });
    }
  }
  return questions;
}

function totalOf(sizes: Partial<Record<Split, number>>): number {
  return SPLITS.reduce((n, s) => n + (sizes[s] ?? 0), 0);
}

/** How an entity is named in a question: works with their kind ("the novel Orvane"), the rest by name. */
function questionMention(e: Entity): string {
  return e.workKind ? `the ${e.workKind} ${e.name}` : e.name;
}

function workWords(e: Entity) {
  return e.workKind ? WORK_KINDS[e.workKind] : undefined;
}

function makeHop(index: WorldIndex, subject: Entity, relation: Relation): Hop | undefined {
  const fact = index.factOf(subject.id, relation);
  if (!fact) return undefined;
  return {
    query: hopQuery(subject.name, relation, workWords(subject)),
    entity: subject.name,
    entityId: subject.id,
    relation,
    factId: fact.id,
    ...factAnswer(index, fact),
  };
}

function startAllowed(e: Entity, start: SetSpec['start']): boolean {
  if (start === 'popular') return e.mentions >= 2;
  if (start === 'longtail') return e.mentions === 1;
  return true;
}

function chainCandidates(world: World, index: WorldIndex, chain: Relation[], spec: SetSpec): Candidate[] {
  const out: Candidate[] = [];
  const startKind = RELATIONS[chain[0]].subject;
  for (const start of world.entities) {
    if (start.kind !== startKind || !startAllowed(start, spec.start)) continue;
    const hops: Hop[] = [];
    const visited = new Set<string>([start.id]);
    let current: Entity | undefined = start;
    let text = questionMention(start);
    for (let i = 0; i < chain.length && current; i++) {
      const hop = makeHop(index, current, chain[i]);
      if (!hop) break;
      hops.push(hop);
      const last = i === chain.length - 1;
      text = last
        ? fill(QUESTION_PHRASINGS[chain[i]][spec.phrasing], { s: text }, workWords(current))
        : fill(DESCRIPTORS[chain[i]]![spec.descriptor], { s: text }, workWords(current));
      current = hop.answerId === undefined ? undefined : index.entity(hop.answerId);
      // A chain that comes back to an entity (a founder working for their own company) asks nothing new.
      if (current && visited.has(current.id)) break;
      if (current) visited.add(current.id);
    }
    if (hops.length !== chain.length) continue;
    const final = hops[hops.length - 1];
    out.push({ question: `${text}?`, golden_answers: final.answers, hops, kind: spec.kind, template: chain.join('>') });
  }
  return out;
}

/** Comparison questions over random pairs (up to 3 × the set's size per template), 2WikiMultihopQA style. */
function comparisonCandidates(world: World, index: WorldIndex, template: ComparisonTemplate, rng: Rng, wanted: number): Candidate[] {
  const kind = template === 'founded_first' ? 'company' : 'person';
  const relation: Relation = template === 'born_first' ? 'year_of_birth' : template === 'founded_first' ? 'founded_year' : 'born_in';
  const pool = world.entities.filter((e) => e.kind === kind);
  const out: Candidate[] = [];
  let noes = 0;
  for (let tries = 0; out.length < 3 * wanted && tries < 30 * wanted; tries++) {
    const a = rng.choice(pool);
    const b = rng.choice(pool);
    // Distinct aliases, so "Kalin" cannot be a correct answer for both sides.
    if (a === b || a.aliases[0] === b.aliases[0]) continue;
    const hops = [makeHop(index, a, relation)!, makeHop(index, b, relation)!];
    const [ha, hb] = hops;
    let golden: string[];
    if (template === 'same_birth_city') {
      const same = ha.answerId === hb.answerId;
      // Keep yes and no balanced: random pairs are mostly "no".
      if (!same && noes >= Math.ceil(1.5 * wanted)) continue;
      if (!same) noes++;
      golden = [same ? 'yes' : 'no'];
    } else {
      if (ha.answer === hb.answer) continue;
      golden = surfaceForms(Number(ha.answer) < Number(hb.answer) ? a : b);
    }
    const question = `${fill(COMPARISONS[template], { a: a.name, b: b.name })}?`;
    out.push({ question, golden_answers: golden, hops, kind: 'comparison', template });
  }
  return out;
}

/** The split a question belongs to, from the split of every person, company and work in its hops. */
export function questionSplit(hops: readonly Hop[], entitySplit: Record<string, Split>): Split | undefined {
  const splits = new Set<Split>();
  for (const hop of hops) {
    for (const id of [hop.entityId, hop.answerId]) {
      const s = id === undefined ? undefined : entitySplit[id];
      if (s) splits.add(s);
    }
  }
  if (splits.has('test')) return splits.has('dev') ? undefined : 'test';
  return splits.has('dev') ? 'dev' : 'train';
}

/** Round-robin over templates so every question pattern is represented; skips texts already used anywhere. */
function pickBalanced(candidates: Candidate[], n: number, usedTexts: Set<string>, rng: Rng): Candidate[] {
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) pushTo(groups, c.template, c);
  const queues = [...groups.keys()].sort().map((k) => rng.shuffle(groups.get(k)!));
  const picked: Candidate[] = [];
  while (picked.length < n && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      if (picked.length >= n) break;
      let c = q.pop();
      while (c && usedTexts.has(c.question)) c = q.pop();
      if (!c) continue;
      usedTexts.add(c.question);
      picked.push(c);
    }
  }
  return picked;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Assign people, companies and works to splits, stratified by kind and popularity. */
export function partitionEntities(entities: readonly Entity[], heldOut: { dev: number; test: number }, rng: Rng): Record<string, Split> {
  const out: Record<string, Split> = {};
  for (const kind of ['person', 'company', 'work'] as const) {
    for (const popular of [true, false]) {
      const group = rng.shuffle(entities.filter((e) => e.kind === kind && e.popular === popular));
      const nTest = Math.round(heldOut.test * group.length);
      const nDev = Math.round(heldOut.dev * group.length);
      group.forEach((e, i) => (out[e.id] = i < nTest ? 'test' : i < nTest + nDev ? 'dev' : 'train'));
    }
  }
  return out;
}
