/**
 * Every fixed string of the micro world: document sentences, filler sentences, question phrasings and
 * canonical hop queries. They are the same for every world and seed, which keeps the vocabulary small
 * (word-level models are trained on it) and shared between worlds.
 *
 * Placeholders: {s} subject, {o} object, and for works {kind} {verb} {participle} {noun} {released}.
 */
import type { EntityKind, Relation, WorkKind } from './types';

export interface WorkKindWords {
  kind: WorkKind;
  verb: string; // "who wrote X"
  participle: string; // "X was written by"
  noun: string; // "the author of X"
  released: string; // "X was published in"
}

export const WORK_KINDS: Record<WorkKind, WorkKindWords> = {
  novel: { kind: 'novel', verb: 'wrote', participle: 'written', noun: 'author', released: 'published' },
  film: { kind: 'film', verb: 'directed', participle: 'directed', noun: 'director', released: 'released' },
  album: { kind: 'album', verb: 'recorded', participle: 'recorded', noun: 'artist', released: 'released' },
  play: { kind: 'play', verb: 'wrote', participle: 'written', noun: 'playwright', released: 'first staged' },
};

/** Subject and object kinds of each relation ('year' = a literal year). */
export const RELATIONS: Record<Relation, { subject: EntityKind; object: EntityKind | 'year' }> = {
  born_in: { subject: 'person', object: 'city' },
  year_of_birth: { subject: 'person', object: 'year' },
  works_for: { subject: 'person', object: 'company' },
  located_in: { subject: 'city', object: 'country' },
  capital: { subject: 'country', object: 'city' },
  headquarters: { subject: 'company', object: 'city' },
  founded_by: { subject: 'company', object: 'person' },
  founded_year: { subject: 'company', object: 'year' },
  created_by: { subject: 'work', object: 'person' },
  release_year: { subject: 'work', object: 'year' },
};

/** Sentences stating one fact. Several phrasings per relation so models must read, not pattern-match one form. */
export const FACT_SENTENCES: Record<Relation, readonly string[]> = {
  born_in: ['{s} was born in {o}.', '{s} was born and raised in {o}.', '{o} is where {s} was born.'],
  year_of_birth: ['the birth year of {s} is {o}.', '{o} is the birth year of {s}.', 'records give {o} as the birth year of {s}.'],
  works_for: ['{s} works for {o}.', '{s} now works at {o}.', '{o} is the company where {s} works.'],
  located_in: ['{s} is a city in {o}.', '{s} lies in the country of {o}.', 'the city of {s} is located in the country of {o}.'],
  capital: ['{o} is the capital of {s}.', 'the capital city of {s} is {o}.', '{s} has its capital in {o}.'],
  headquarters: ['{s} has its headquarters in {o}.', '{s} is based in {o}.', 'the headquarters of {s} are in {o}.'],
  founded_by: ['{s} was founded by {o}.', '{o} is the founder of {s}.', 'the founder of {s} is {o}.'],
  founded_year: ['{s} was founded in the year {o}.', '{o} is the year {s} was founded.', 'the company {s} was established in the year {o}.'],
  created_by: ['the {noun} of the {kind} {s} is {o}.', 'the {kind} {s} was {participle} by {o}.', '{o} {verb} the {kind} {s}.'],
  release_year: ['{s} was {released} in {o}.', 'the {kind} {s} first appeared in the year {o}.', '{s} came out in the year {o}.'],
};

/** Sentences that state no fact: they make documents 20–40 words long and vary them. */
export const FILLER_SENTENCES: Record<EntityKind, readonly string[]> = {
  person: [
    '{s} is known as a quiet and careful person.',
    'many people in the region know {s} well.',
    '{s} enjoys music, books and long walks.',
    'friends describe {s} as kind and patient.',
    '{s} often speaks about the old days.',
  ],
  city: [
    '{s} is known for its old markets and narrow streets.',
    'many visitors come to {s} in the summer.',
    '{s} has a large river and a busy port.',
    'life in {s} is calm and slow.',
  ],
  country: ['{s} is known for its mountains and long rivers.', 'the people of {s} speak several languages.', '{s} has a long and rich history.'],
  company: ['{s} makes goods that are sold far and wide.', '{s} is one of the larger firms in the region.', '{s} has grown steadily over the years.'],
  work: ['{s} received warm reviews from critics.', 'many people still enjoy {s} today.', '{s} is often discussed in schools.'],
};

/** Question phrasings per relation: index 0 is nq style, 1 trivia style, 2 popqa style. */
export const QUESTION_PHRASINGS: Record<Relation, readonly [string, string, string]> = {
  born_in: ['where was {s} born', 'which city is the birthplace of {s}', 'in what city was {s} born'],
  year_of_birth: ['when was {s} born', 'in which year was {s} born', 'what year was {s} born in'],
  works_for: ['who does {s} work for', 'which company employs {s}', 'what company does {s} work for'],
  located_in: ['which country contains {s}', 'in which country is {s}', 'which country is {s} located in'],
  capital: ['what is the capital of {s}', 'which city is the capital of {s}', 'what city is the capital of {s}'],
  headquarters: ['where is {s} headquartered', 'in which city does {s} have its headquarters', 'what city is {s} based in'],
  founded_by: ['who founded {s}', 'who was the founder of {s}', 'who is the founder of {s}'],
  founded_year: ['when was {s} founded', 'in which year was {s} founded', 'what year was {s} founded in'],
  created_by: ['who {verb} {s}', 'who is the {noun} of {s}', 'who was the {noun} of {s}'],
  release_year: ['when was {s} {released}', 'in which year was {s} {released}', 'what year was {s} {released}'],
};

/** Noun phrases naming a relation's object, for chaining hops into one question (variant 0 plain, 1 terse). */
export const DESCRIPTORS: Partial<Record<Relation, readonly [string, string]>> = {
  born_in: ['the city where {s} was born', 'the birthplace of {s}'],
  works_for: ['the company that {s} works for', 'the employer of {s}'],
  located_in: ['the country where {s} is located', 'the country of {s}'],
  capital: ['the capital of {s}', 'the capital city of {s}'],
  headquarters: ['the city where {s} is headquartered', 'the home city of {s}'],
  founded_by: ['the founder of {s}', 'the person who founded {s}'],
  created_by: ['the {noun} of {s}', 'the person who {verb} {s}'],
};

export const COMPARISONS = {
  born_first: 'who was born first, {a} or {b}',
  founded_first: 'which company was founded first, {a} or {b}',
  same_birth_city: 'were {a} and {b} born in the same city',
} as const;
export type ComparisonTemplate = keyof typeof COMPARISONS;

/** Canonical hop query: the entity's name plus a relation keyword, e.g. "Zorvath Kalin born". */
const QUERY_KEYWORDS: Record<Relation, string> = {
  born_in: 'born',
  year_of_birth: 'birth year',
  works_for: 'works for',
  located_in: 'country',
  capital: 'capital',
  headquarters: 'headquarters',
  founded_by: 'founder',
  founded_year: 'founded year',
  created_by: '{noun}',
  release_year: '{released} year',
};

export function hopQuery(entityName: string, relation: Relation, work?: WorkKindWords): string {
  return `${entityName} ${fill(QUERY_KEYWORDS[relation], {}, work)}`;
}

/** Replace {s}, {o}, {a}, {b} from `slots` and the work-kind words from `work`. */
export function fill(template: string, slots: Record<string, string>, work?: WorkKindWords): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (key in slots) return slots[key];
    if (work && key in work) return work[key as keyof WorkKindWords];
    throw new Error(`template ${JSON.stringify(template)}: no value for ${whole}`);
  });
}

export function capitaliseFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
