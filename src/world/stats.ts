/**
 * What a world contains (entities, documents, vocabulary, questions per set and split) and, given a
 * search function (e.g. BM25 over the corpus), how often the top-k results contain the answer:
 * - question recall: the question text as the query, any golden answer in the top k;
 * - hop recall: each hop's canonical sub-query, the hop's answer in the top k.
 */
import { WordTokenizer, WORD_SPECIAL_TOKENS } from '../text/word-tokenizer';
import { textContainsAnswer } from './lookup';
import type { EntityKind, QuestionSet, Split, World } from './types';
import { QUESTION_SETS, SPLITS } from './types';

export type SearchFn = (queries: string[], topk: number) => Promise<{ text: string }[][]>;

export interface RecallStats {
  questions: number;
  questionRecall: number;
  hops: number;
  hopRecall: number;
}

export interface WorldStats {
  seed: number;
  entities: Record<EntityKind, number>;
  /** People and works mentioned by one document only (micro-popqa draws from these). */
  longTail: { people: number; works: number };
  facts: number;
  documents: number;
  wordsPerDocument: { min: number; mean: number; max: number };
  /** Distinct word-level tokens in documents, questions and answers (special tokens not counted). */
  vocabulary: number;
  questions: Record<QuestionSet, Partial<Record<Split, number>>>;
  totalQuestions: number;
  recall?: { topk: number; sets: Record<QuestionSet, RecallStats> };
}

/** Every text a word-level model of this world sees: documents, questions, answers. */
export function worldTexts(world: World): string[] {
  return [...world.documents.map((d) => d.text), ...world.questions.map((q) => q.question), ...world.questions.flatMap((q) => q.golden_answers)];
}

export function worldVocabulary(world: World): WordTokenizer {
  return WordTokenizer.fromCorpus(worldTexts(world));
}

/** Counts only (synchronous; what `exportWorld` writes to stats.json). */
export function describeWorld(world: World): Omit<WorldStats, 'recall'> {
  const entities = { person: 0, city: 0, country: 0, company: 0, work: 0 } as Record<EntityKind, number>;
  for (const e of world.entities) entities[e.kind]++;
  const lengths = world.documents.map((d) => d.text.split(/\s+/).length);
  const questions = Object.fromEntries(QUESTION_SETS.map((s) => [s, {}])) as WorldStats['questions'];
  for (const q of world.questions) questions[q.data_source][q.split] = (questions[q.data_source][q.split] ?? 0) + 1;
  const longTail = (kind: EntityKind) => world.entities.filter((e) => e.kind === kind && e.mentions === 1).length;
  return {
    seed: world.seed,
    entities,
    longTail: { people: longTail('person'), works: longTail('work') },
    facts: world.facts.length,
    documents: world.documents.length,
    wordsPerDocument: {
      min: Math.min(...lengths),
      mean: Number((lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(1)),
      max: Math.max(...lengths),
    },
    vocabulary: worldVocabulary(world).vocabSize - WORD_SPECIAL_TOKENS.length - 1,
    questions,
    totalQuestions: world.questions.length,
  };
}

/** Counts, plus answer recall@topk per question set when `search` is given. */
export async function worldStats(world: World, opts: { search?: SearchFn; topk?: number } = {}): Promise<WorldStats> {
  const stats: WorldStats = describeWorld(world);
  if (!opts.search) return stats;
  const topk = opts.topk ?? 3;
  const sets = {} as Record<QuestionSet, RecallStats>;
  for (const set of QUESTION_SETS) {
    const qs = world.questions.filter((q) => q.data_source === set);
    const hops = qs.flatMap((q) => q.hops);
    const questionHits = await countHits(
      opts.search,
      qs.map((q) => q.question),
      qs.map((q) => q.golden_answers),
      topk,
    );
    const hopHits = await countHits(
      opts.search,
      hops.map((h) => h.query),
      hops.map((h) => h.answers),
      topk,
    );
    sets[set] = {
      questions: qs.length,
      questionRecall: qs.length ? questionHits / qs.length : 0,
      hops: hops.length,
      hopRecall: hops.length ? hopHits / hops.length : 0,
    };
  }
  stats.recall = { topk, sets };
  return stats;
}

async function countHits(search: SearchFn, queries: string[], answers: string[][], topk: number): Promise<number> {
  if (queries.length === 0) return 0;
  const results = await search(queries, topk);
  if (results.length !== queries.length) throw new Error(`worldStats: search returned ${results.length} result lists for ${queries.length} queries`);
  return results.filter((docs, i) => docs.slice(0, topk).some((d) => textContainsAnswer(d.text, answers[i]))).length;
}

export function formatWorldStats(stats: WorldStats): string {
  const e = stats.entities;
  const w = stats.wordsPerDocument;
  const lines = [
    `world seed ${stats.seed}: ${e.person} people, ${e.city} cities, ${e.country} countries, ${e.company} companies, ${e.work} works; ${stats.facts} facts`,
    `long tail (one document): ${stats.longTail.people} people, ${stats.longTail.works} works`,
    `documents: ${stats.documents} (words per document min ${w.min}, mean ${w.mean}, max ${w.max}); vocabulary ${stats.vocabulary} words`,
    `questions: ${stats.totalQuestions}`,
  ];
  const header = ['set', ...SPLITS, ...(stats.recall ? [`q-recall@${stats.recall.topk}`, `hop-recall@${stats.recall.topk}`] : [])];
  const rows = QUESTION_SETS.map((set) => {
    const r = stats.recall?.sets[set];
    return [set, ...SPLITS.map((s) => String(stats.questions[set][s] ?? '-')), ...(r ? [r.questionRecall.toFixed(3), r.hopRecall.toFixed(3)] : [])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) lines.push('  ' + row.map((c, i) => c.padEnd(widths[i])).join('  '));
  return lines.join('\n');
}
