/**
 * `generateWorld(config, seed)`: entities and facts → documents → entity splits → questions, then a
 * check that every question is answerable from the corpus. Same config and seed ⇒ the same world.
 *
 * `generateSecondWorld(world, seed)`: the world the policy base model is pretrained on. It has the
 * same config, so the same names, templates and (almost exactly) vocabulary, but a different seed,
 * and it never agrees with the first world on any fact: the base model learns the language and the
 * format, not the answers to the first world's questions.
 */
import { Rng } from '../util';
import { resolveWorldConfig } from './config';
import type { WorldConfig, WorldConfigInput } from './config';
import { writeDocuments } from './documents';
import { buildEntitiesAndFacts } from './facts';
import type { AvoidFn } from './facts';
import { indexWorld, surfaceForms, textContainsAnswer } from './lookup';
import { generateQuestions, partitionEntities } from './questions';
import type { Question, World } from './types';

export interface GenerateOptions {
  /** Never give a subject the same object as it has in this world (see generateSecondWorld). */
  disagreeWith?: World;
}

export function generateWorld(config: WorldConfigInput, seed: number, opts: GenerateOptions = {}): World {
  if (!Number.isInteger(seed)) throw new Error(`generateWorld: seed must be an integer (got ${JSON.stringify(seed)})`);
  const resolved = resolveWorldConfig(config);
  const rng = new Rng(seed);
  const { entities, facts } = buildEntitiesAndFacts(resolved, rng.fork('facts'), opts.disagreeWith && avoidFactsOf(opts.disagreeWith));
  const documents = writeDocuments(entities, facts, rng.fork('documents'));
  const mentions = new Map<string, number>();
  for (const d of documents) for (const id of d.entityIds) mentions.set(id, (mentions.get(id) ?? 0) + 1);
  for (const e of entities) e.mentions = mentions.get(e.id) ?? 0;
  const entitySplit = partitionEntities(entities, resolved.heldOut, rng.fork('splits'));
  const world: World = { seed, config: resolved, entities, facts, documents, questions: [], entitySplit };
  world.questions = generateQuestions(world, rng.fork('questions'));
  checkWorld(world);
  return world;
}

/**
 * Up to `perSet` held-out questions per set (test first, then dev): the world regenerated with larger
 * dev and test sizes. Documents and entity splits do not depend on those sizes, so they are the world's own
 * (checked), and a held-out question names a dev or test entity, which no training question of the world
 * does: both splits are unseen by RL. Ids are prefixed `held-out:` because the picks differ from the world's own.
 */
export function heldOutQuestions(world: World, perSet: number): Question[] {
  if (!Number.isInteger(perSet) || perSet < 1) throw new Error(`heldOutQuestions: perSet must be a positive integer (got ${JSON.stringify(perSet)})`);
  const questions = Object.fromEntries(Object.entries(world.config.questions).map(([set, sizes]) => [set, { ...sizes, dev: perSet, test: perSet }]));
  const grown = generateWorld({ ...world.config, questions: questions as WorldConfig['questions'] }, world.seed);
  const same = (f: (w: World) => unknown) => JSON.stringify(f(grown)) === JSON.stringify(f(world));
  if (!same((w) => w.documents) || !same((w) => w.entitySplit)) {
    throw new Error(
      `heldOutQuestions: world seed ${world.seed} does not regenerate to the same documents and entity splits (saved by another version of the kit?)`,
    );
  }
  const bySet = new Map<string, Question[]>();
  for (const split of ['test', 'dev'] as const) {
    for (const q of grown.questions.filter((x) => x.split === split)) {
      const list = bySet.get(q.data_source) ?? [];
      if (list.length < perSet) list.push({ ...q, id: `held-out:${q.id}` });
      bySet.set(q.data_source, list);
    }
  }
  return [...bySet.values()].flat();
}

export function generateSecondWorld(world: World, seed = world.seed + 1): World {
  if (seed === world.seed) throw new Error(`generateSecondWorld: seed must differ from the first world's (${seed})`);
  return generateWorld(world.config, seed, { disagreeWith: world });
}

function avoidFactsOf(other: World): AvoidFn {
  const index = indexWorld(other);
  const objectName = new Map<string, string>();
  for (const f of other.facts) {
    const subject = index.entity(f.subject).name;
    objectName.set(`${subject}|${f.relation}`, f.object === undefined ? f.value! : index.entity(f.object).name);
  }
  return (subjectName, relation) => objectName.get(`${subjectName}|${relation}`);
}

/**
 * Throws unless the world is consistent: every fact is stated by a document, and every question's
 * every hop is stated by a document that also names the hop's entity and contains the hop's answer.
 */
export function checkWorld(world: World): void {
  const index = indexWorld(world);
  for (const f of world.facts) {
    if (index.documentsStating(f.id).length === 0) throw new Error(`world ${world.seed}: no document states fact ${f.id}`);
  }
  for (const q of world.questions) {
    if (q.golden_answers.length === 0) throw new Error(`world ${world.seed}: question ${q.id} has no golden answers`);
    for (const hop of q.hops) {
      const entityForms = surfaceForms(index.entity(hop.entityId));
      const ok = index.documentsStating(hop.factId).some((d) => textContainsAnswer(d.text, entityForms) && textContainsAnswer(d.text, hop.answers));
      if (!ok) throw new Error(`world ${world.seed}: question ${q.id}: no document states hop "${hop.query}" → ${hop.answer}`);
    }
  }
}
