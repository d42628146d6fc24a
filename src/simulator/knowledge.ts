/**
 * World knowledge for the micro-world simulator. In the paper the simulation LLM is a large pretrained
 * model that already knows the world; here a small transformer learns the world's corpus first.
 *
 * Pretraining sequences are a few random documents rendered exactly as the simulator will later write
 * them (`Doc i: title text` lines), so the model learns the facts, the document style and the line format
 * at once; the loss covers every token.
 *
 * Knowledge is measured by fact completion: prompt `Doc 1: <subject> <fact sentence up to its object>`,
 * greedy decoding, correct when the continuation starts with any accepted form of the object. Each fact
 * is probed with every phrasing of its relation that ends in the object; a phrasing is "seen" when some
 * document states this fact in it, "held out" otherwise (the fact was learnt in another wording).
 */
import { generate, LmExample, Transformer } from '../model';
import { normalizeAnswer } from '../text';
import type { Tokenizer } from '../text';
import { Rng } from '../util';
import { FACT_SENTENCES, WORK_KINDS, indexWorld, surfaceForms } from '../world';
import type { World, WorldDocument } from '../world';
import { fill } from '../world/templates';
import { renderTarget } from './prompts';

/** The documents of a world as the simulator renders them (title + text). */
export function documentText(doc: WorldDocument): { title: string; text: string } {
  return { title: doc.title, text: doc.text };
}

/** A sampler of pretraining sequences: `docsPerSequence` random documents as `Doc i:` lines, then <eos>. */
export function knowledgeSampler(world: World, tokenizer: Tokenizer, docsPerSequence = 3): (rng: Rng) => LmExample {
  // Lines are encoded once each (`Doc i: title text` for every position i) and joined with the newline
  // token, which is what encoding the joined text gives under the word tokenizer.
  const newline = tokenizer.encode('a\nb')[1];
  const lines = new Map<string, number[]>();
  const line = (doc: WorldDocument, i: number) => {
    const key = `${i}:${doc.id}`;
    if (!lines.has(key)) lines.set(key, tokenizer.encode(renderTarget([documentText(doc)]).replace(/^Doc 1:/, `Doc ${i + 1}:`)));
    return lines.get(key)!;
  };
  return (rng) => {
    const ids: number[] = [];
    for (let i = 0; i < docsPerSequence; i++) {
      if (i > 0) ids.push(newline);
      ids.push(...line(rng.choice(world.documents), i));
    }
    ids.push(tokenizer.eosId);
    return { ids, lossMask: ids.map(() => 1) };
  };
}

export interface FactProbe {
  factId: string;
  prompt: string;
  answers: string[];
  /** Whether some document states this fact in this phrasing. */
  seenPhrasing: boolean;
}

const normalizeSpace = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Probes for up to `maxFacts` facts (seeded choice), every object-final phrasing of each. */
export function factProbes(world: World, opts: { maxFacts?: number; seed?: number } = {}): FactProbe[] {
  const index = indexWorld(world);
  const facts = new Rng(opts.seed ?? 0).shuffle(world.facts).slice(0, opts.maxFacts ?? 200);
  const probes: FactProbe[] = [];
  for (const fact of facts) {
    const subject = index.entity(fact.subject);
    const work = subject.workKind ? WORK_KINDS[subject.workKind] : undefined;
    const object = fact.object === undefined ? fact.value! : index.entity(fact.object).name;
    const answers = fact.object === undefined ? [fact.value!] : surfaceForms(index.entity(fact.object));
    const stating = index.documentsStating(fact.id).map((d) => normalizeSpace(`${d.title} ${d.text}`));
    for (const template of FACT_SENTENCES[fact.relation]) {
      if (!/^\{s\}.*\{o\}\.$/.test(template)) continue; // subject first, object last
      const prefix = fill(template.slice(0, template.indexOf('{o}')).trimEnd(), { s: subject.name }, work);
      const full = normalizeSpace(fill(template, { s: subject.name, o: object }, work).slice(0, -1));
      probes.push({ factId: fact.id, prompt: `Doc 1: ${subject.name} ${prefix}`, answers, seenPhrasing: stating.some((d) => d.includes(full)) });
    }
  }
  return probes;
}

export interface KnowledgeReport {
  probes: number;
  accuracy: number;
  seen: { probes: number; accuracy: number };
  heldOut: { probes: number; accuracy: number };
}

/** Greedy fact completion over `probes` (batched). */
export function factCompletionAccuracy(model: Transformer, tokenizer: Tokenizer, probes: FactProbe[], batchSize = 32): KnowledgeReport {
  const correct: boolean[] = [];
  for (let start = 0; start < probes.length; start += batchSize) {
    const batch = probes.slice(start, start + batchSize);
    const maxLen = Math.max(...batch.flatMap((p) => p.answers.map((a) => tokenizer.encode(a).length)));
    const out = generate(
      model,
      batch.map((p) => tokenizer.encode(p.prompt)),
      { maxNewTokens: maxLen, temperature: 0 },
    );
    batch.forEach((p, i) => {
      const said = `${normalizeAnswer(tokenizer.decode(out.tokens[i]))} `;
      correct.push(p.answers.some((a) => said.startsWith(`${normalizeAnswer(a)} `)));
    });
  }
  const rate = (keep: (p: FactProbe) => boolean) => {
    const idx = probes.map((p, i) => (keep(p) ? i : -1)).filter((i) => i >= 0);
    return { probes: idx.length, accuracy: idx.length ? idx.filter((i) => correct[i]).length / idx.length : NaN };
  };
  const all = rate(() => true);
  return { probes: all.probes, accuracy: all.accuracy, seen: rate((p) => p.seenPhrasing), heldOut: rate((p) => !p.seenPhrasing) };
}
