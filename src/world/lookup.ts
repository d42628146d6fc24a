/**
 * Lookups over a World (by id, by subject and relation, documents stating a fact) and the oracle that
 * says whether a document states a hop's fact. Indexes are built once per world object and cached.
 */
import { normalizeAnswer } from '../text/metrics';
import type { Entity, Fact, Hop, Relation, World, WorldDocument } from './types';

export interface WorldIndex {
  entity(id: string): Entity;
  fact(id: string): Fact;
  factOf(subjectId: string, relation: Relation): Fact | undefined;
  document(id: string): WorldDocument;
  documentsStating(factId: string): WorldDocument[];
}

type Indexable = Pick<World, 'entities' | 'facts' | 'documents'>;
const cache = new WeakMap<Indexable, WorldIndex>();

export function indexWorld(world: Indexable): WorldIndex {
  const cached = cache.get(world);
  if (cached) return cached;
  const entities = new Map(world.entities.map((e) => [e.id, e]));
  const facts = new Map(world.facts.map((f) => [f.id, f]));
  const documents = new Map(world.documents.map((d) => [d.id, d]));
  const stating = new Map<string, WorldDocument[]>();
  for (const doc of world.documents) {
    for (const id of doc.factIds) {
      const list = stating.get(id) ?? [];
      list.push(doc);
      stating.set(id, list);
    }
  }
  const get = <T>(map: Map<string, T>, id: string, what: string): T => {
    const v = map.get(id);
    if (v === undefined) throw new Error(`world: unknown ${what} id ${JSON.stringify(id)}`);
    return v;
  };
  const index: WorldIndex = {
    entity: (id) => get(entities, id, 'entity'),
    fact: (id) => get(facts, id, 'fact'),
    factOf: (subjectId, relation) => facts.get(`${subjectId}/${relation}`),
    document: (id) => get(documents, id, 'document'),
    documentsStating: (factId) => stating.get(factId) ?? [],
  };
  cache.set(world, index);
  return index;
}

/** All accepted written forms of an entity: its name, then its aliases. */
export function surfaceForms(entity: Entity): string[] {
  return [entity.name, ...entity.aliases];
}

/** The answer a fact gives: canonical form, all accepted forms, and the entity id when it is an entity. */
export function factAnswer(index: WorldIndex, fact: Fact): { answer: string; answers: string[]; answerId?: string } {
  if (fact.object === undefined) return { answer: fact.value!, answers: [fact.value!] };
  const object = index.entity(fact.object);
  return { answer: object.name, answers: surfaceForms(object), answerId: object.id };
}

/** Oracle: does this document state the hop's fact? */
export function docAnswersHop(doc: Pick<WorldDocument, 'factIds'>, hop: Pick<Hop, 'factId'>): boolean {
  return doc.factIds.includes(hop.factId);
}

/** Oracle by document id (throws on an id the world does not have). */
export function documentSupports(world: World, docId: string, hop: Pick<Hop, 'factId'>): boolean {
  return docAnswersHop(indexWorld(world).document(docId), hop);
}

/** Every document that states the hop's fact. */
export function supportingDocuments(world: World, hop: Pick<Hop, 'factId'>): WorldDocument[] {
  return indexWorld(world).documentsStating(hop.factId);
}

/** Whether `text` contains any of `answers` as whole words after SQuAD normalisation (the cover-EM notion). */
export function textContainsAnswer(text: string, answers: readonly string[]): boolean {
  const haystack = ` ${normalizeAnswer(text)} `;
  return answers.some((a) => {
    const needle = normalizeAnswer(a);
    return needle.length > 0 && haystack.includes(` ${needle} `);
  });
}
