/**
 * A world on disk:
 *   corpus.jsonl              {id, title, text}  (what a search engine indexes)
 *   <set>/<split>.jsonl       {id, question, golden_answers, hops, kind, template, data_source}
 *   world.json                seed, config, entities, facts, entity splits, each document's factIds/entityIds
 *   stats.json                counts (describeWorld)
 * Files hold no timestamps, so the same world always writes the same bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson, readJsonl, writeJsonAtomic, writeJsonl } from '../util';
import { describeWorld } from './stats';
import type { Entity, Fact, Question, Split, World } from './types';
import { QUESTION_SETS, SPLITS } from './types';
import type { WorldConfig } from './config';

interface WorldJson {
  seed: number;
  config: WorldConfig;
  entities: Entity[];
  facts: Fact[];
  entitySplit: Record<string, Split>;
  documents: { id: string; factIds: string[]; entityIds: string[] }[];
}

export function questionFile(dir: string, set: string, split: Split): string {
  return path.join(dir, set, `${split}.jsonl`);
}

export function exportWorld(world: World, dir: string): void {
  writeJsonl(
    path.join(dir, 'corpus.jsonl'),
    world.documents.map((d) => ({ id: d.id, title: d.title, text: d.text })),
  );
  for (const set of QUESTION_SETS) {
    for (const split of SPLITS) {
      const rows = world.questions.filter((q) => q.data_source === set && q.split === split);
      if (rows.length === 0) continue;
      writeJsonl(
        questionFile(dir, set, split),
        rows.map((q) => ({
          id: q.id,
          question: q.question,
          golden_answers: q.golden_answers,
          hops: q.hops,
          kind: q.kind,
          template: q.template,
          data_source: q.data_source,
        })),
      );
    }
  }
  const json: WorldJson = {
    seed: world.seed,
    config: world.config,
    entities: world.entities,
    facts: world.facts,
    entitySplit: world.entitySplit,
    documents: world.documents.map((d) => ({ id: d.id, factIds: d.factIds, entityIds: d.entityIds })),
  };
  writeJsonAtomic(path.join(dir, 'world.json'), json);
  writeJsonAtomic(path.join(dir, 'stats.json'), describeWorld(world));
}

/** Read back what exportWorld wrote (the oracle works on the result: documents keep their factIds). */
export function loadWorld(dir: string): World {
  const json = readJson<WorldJson>(path.join(dir, 'world.json'));
  if (!json || !Array.isArray(json.entities) || !Array.isArray(json.facts) || !Array.isArray(json.documents)) {
    throw new Error(`${path.join(dir, 'world.json')}: expected {seed, config, entities[], facts[], entitySplit, documents[]}`);
  }
  const corpusFile = path.join(dir, 'corpus.jsonl');
  const corpus = new Map(readJsonl<{ id: string; title: string; text: string }>(corpusFile).map((d) => [d.id, d]));
  const documents = json.documents.map((meta) => {
    const row = corpus.get(meta.id);
    if (!row) throw new Error(`${corpusFile}: document ${meta.id} listed in world.json is missing`);
    return { id: meta.id, title: row.title, text: row.text, factIds: meta.factIds, entityIds: meta.entityIds };
  });
  const questions: Question[] = [];
  for (const set of QUESTION_SETS) {
    for (const split of SPLITS) {
      const file = questionFile(dir, set, split);
      if (!fs.existsSync(file)) continue;
      for (const row of readJsonl<Omit<Question, 'split'>>(file)) questions.push({ ...row, split, data_source: set });
    }
  }
  return { seed: json.seed, config: json.config, entities: json.entities, facts: json.facts, documents, questions, entitySplit: json.entitySplit };
}
