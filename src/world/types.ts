/**
 * Data types of the micro world. A World is plain JSON-serialisable data (entities, facts, documents,
 * questions); lookups over it live in `lookup.ts` so the data itself stays easy to save and inspect.
 */
import type { WorldConfig } from './config';

export type EntityKind = 'person' | 'city' | 'country' | 'company' | 'work';

/** Every relation is functional: one object per subject. Year relations have a literal value, not an entity. */
export type Relation =
  | 'born_in' // person → city
  | 'year_of_birth' // person → year
  | 'works_for' // person → company
  | 'located_in' // city → country
  | 'capital' // country → city (the city is the capital of the country)
  | 'headquarters' // company → city
  | 'founded_by' // company → person
  | 'founded_year' // company → year
  | 'created_by' // work → person
  | 'release_year'; // work → year

export type WorkKind = 'novel' | 'film' | 'album' | 'play';

export interface Entity {
  id: string; // "<kind>-<index>", e.g. "person-12"
  kind: EntityKind;
  name: string; // canonical form, used in questions and as golden_answers[0]
  aliases: string[]; // other accepted forms (surname, company stem, formal country name)
  /** Popular people and works get several documents and are mentioned elsewhere; the rest are long-tail. */
  popular: boolean;
  /** Number of documents that mention the entity (filled in after documents are written). */
  mentions: number;
  workKind?: WorkKind;
}

export interface Fact {
  id: string; // "<subject id>/<relation>"
  subject: string; // entity id
  relation: Relation;
  object?: string; // entity id, for entity-valued relations
  value?: string; // literal (a year as digits), for year relations
}

export interface WorldDocument {
  id: string; // "doc-<index>"
  title: string; // the name of the entity the document is about
  text: string;
  /** Facts the text states (the oracle: a document supports a hop iff it states the hop's fact). */
  factIds: string[];
  /** Entities the text mentions (main entity first). */
  entityIds: string[];
}

export const QUESTION_SETS = ['micro-nq', 'micro-tqa', 'micro-popqa', 'micro-hotpotqa', 'micro-2wiki', 'micro-musique', 'micro-bamboogle'] as const;
export type QuestionSet = (typeof QUESTION_SETS)[number];

export const SPLITS = ['train', 'dev', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** single: one hop; bridge / composition / chain3: chained hops; comparison: two parallel hops then a comparison. */
export type QuestionKind = 'single' | 'bridge' | 'composition' | 'comparison' | 'chain3';

/** One retrieval step of a question: what to search for and what the step's answer is. */
export interface Hop {
  query: string; // canonical sub-query, e.g. "Zorvath Kalin born"
  entity: string; // name of the entity the hop asks about
  entityId: string;
  relation: Relation;
  factId: string;
  answer: string; // canonical sub-answer
  answers: string[]; // sub-answer plus its aliases
  answerId?: string; // entity id of the sub-answer (absent for years)
}

export interface Question {
  id: string;
  question: string;
  golden_answers: string[];
  hops: Hop[];
  kind: QuestionKind;
  template: string; // which pattern built it, e.g. "works_for>headquarters"
  split: Split;
  data_source: QuestionSet;
}

export interface World {
  seed: number;
  config: WorldConfig;
  entities: Entity[];
  facts: Fact[];
  documents: WorldDocument[];
  questions: Question[];
  /** Which split each person / company / work belongs to (cities and countries are shared background). */
  entitySplit: Record<string, Split>;
}
