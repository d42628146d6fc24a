/**
 * SFT data collection on real data (spec §4.4; the paper's step 1): an agent — any policy, local or behind an
 * API (see ../agent/search-agent) — answers training questions over several turns with a *real* engine, and
 * every (query, document) pair is kept with the question, its gold answers and the trajectory's outcome.
 * Labels come from the trajectory (paper v1: documents of correct trajectories are useful) or a judge (v2/v3).
 *
 * Examples, one per search call and quality, in the format `simulator finetune` reads (SftExample):
 * - useful: the call's documents, those labelled useful first — only when at least one is;
 * - noisy: the call's documents labelled noisy, filled up to k with noisy documents of other calls (seeded).
 * The two qualities are balanced by seeded down-sampling, as in the micro-world collection. Real data has no
 * per-query answer, so `queryAnswers` holds the question's gold answers.
 */
import type { Doc } from '../search';
import type { QaRow } from '../data/qa';
import { Rng } from '../util';
import type { DocQuality } from './prompts';
import type { SftDataCounts, SftExample } from './sft-data';

export interface AgentCall {
  query: string;
  docs: Doc[];
}

/** One question's trajectory as the collection needs it: its final answer and its search calls in order. */
export interface AgentRun {
  answer: string | null;
  correct: boolean;
  calls: AgentCall[];
}

export interface RealPair {
  questionId: string;
  question: string;
  /** golden_answers[0]: what the §4.2 prompt names as the answer. */
  answer: string;
  goldenAnswers: string[];
  turn: number;
  query: string;
  rank: number;
  doc: Doc;
  trajectoryAnswer: string | null;
  trajectoryCorrect: boolean;
}

export interface RealSftCounts extends SftDataCounts {
  questions: number;
  correctTrajectories: number;
}

/** Every (query, document) pair of the runs, tagged with its question and the trajectory's outcome. */
export function pairsFromRuns(questions: readonly QaRow[], runs: readonly AgentRun[]): RealPair[] {
  if (runs.length !== questions.length) throw new Error(`pairsFromRuns: ${runs.length} runs for ${questions.length} questions`);
  return runs.flatMap((run, i) => {
    const q = questions[i];
    return run.calls.flatMap((call, turn) =>
      call.docs.map((doc, rank) => ({
        questionId: q.id,
        question: q.question,
        answer: q.golden_answers[0],
        goldenAnswers: q.golden_answers,
        turn,
        query: call.query,
        rank,
        doc: { id: doc.id, title: doc.title, text: doc.text },
        trajectoryAnswer: run.answer,
        trajectoryCorrect: run.correct,
      })),
    );
  });
}

/** Trajectory labels (paper v1): a pair is useful when its trajectory ended correct. */
export const trajectoryLabels = (pairs: readonly RealPair[]): boolean[] => pairs.map((p) => p.trajectoryCorrect);

export function buildRealSftExamples(
  pairs: readonly RealPair[],
  labels: readonly boolean[],
  opts: { topk?: number; seed?: number } = {},
): { examples: SftExample[]; counts: RealSftCounts } {
  if (labels.length !== pairs.length) throw new Error(`buildRealSftExamples: ${labels.length} labels for ${pairs.length} pairs`);
  const topk = opts.topk ?? 5;
  const rng = new Rng(`${opts.seed ?? 0}:real-sft-data`);
  const calls = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    const key = `${p.questionId}\u0000${p.turn}`;
    calls.set(key, [...(calls.get(key) ?? []), i]);
  });
  const noisyPool = pairs.filter((_, i) => !labels[i]);
  const made: Record<DocQuality, SftExample[]> = { useful: [], noisy: [] };
  for (const members of calls.values()) {
    const first = pairs[members[0]];
    const base = { query: first.query, question: first.question, answer: first.answer, queryAnswers: first.goldenAnswers, questionId: first.questionId };
    const ranked = [...members].sort((a, b) => pairs[a].rank - pairs[b].rank);
    const useful = ranked.filter((i) => labels[i]);
    if (useful.length) {
      const docs = [...useful, ...ranked.filter((i) => !labels[i])].slice(0, topk).map((i) => pairs[i].doc);
      if (docs.length === topk) made.useful.push({ ...base, quality: 'useful', docs });
    }
    const own = ranked.filter((i) => !labels[i]).map((i) => pairs[i].doc);
    const others = rng.shuffle(noisyPool.filter((p) => p.questionId !== first.questionId).map((p) => p.doc));
    const docs = [...own, ...others.filter((d) => !own.some((o) => o.text === d.text))].slice(0, topk);
    if (own.length && docs.length === topk) made.noisy.push({ ...base, quality: 'noisy', docs: rng.shuffle(docs) });
  }
  const before = { useful: made.useful.length, noisy: made.noisy.length };
  const n = Math.min(before.useful, before.noisy);
  const examples = rng.shuffle([...rng.shuffle(made.useful).slice(0, n), ...rng.shuffle(made.noisy).slice(0, n)]);
  const labelledUseful = labels.filter(Boolean).length;
  const questions = new Set(pairs.map((p) => p.questionId));
  return {
    examples,
    counts: {
      questions: questions.size,
      correctTrajectories: new Set(pairs.filter((p) => p.trajectoryCorrect).map((p) => p.questionId)).size,
      calls: calls.size,
      pairs: pairs.length,
      labelledUseful,
      labelledNoisy: pairs.length - labelledUseful,
      examplesBeforeBalance: before,
      examples: { useful: n, noisy: n },
    },
  };
}
