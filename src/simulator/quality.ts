/**
 * Simulator quality on held-out queries (the hop queries of test questions, whose entities the SFT data
 * never saw), for any engine: the SFT simulator and the prompt-only simulator in useful and noisy mode, and
 * the real BM25 engine. Per engine: answer rate (the hop's gold answer appears in the k documents),
 * well-formed rate (exactly k `Doc i:` lines), distinct-doc rate (distinct texts / documents, per response)
 * and documents per second. Every engine sees the same queries in the same order.
 */
import type { Doc, SearchEngine } from '../search';
import { SimulatedSearchEngine } from './engine';
import { JsonlLog, Rng } from '../util';
import { textContainsAnswer } from '../world';
import type { World } from '../world';
import type { DocQuality } from './prompts';

export interface EvalQuery {
  query: string;
  question: string;
  answer: string;
  /** Accepted answers of the hop the query asks. */
  hopAnswers: string[];
}

/** Distinct hop queries of the world's test questions (seeded subset). */
export function heldOutQueries(world: World, n: number, seed = 0): EvalQuery[] {
  const seen = new Set<string>();
  const out: EvalQuery[] = [];
  for (const q of new Rng(`${seed}:held-out`).shuffle(world.questions.filter((x) => x.split === 'test'))) {
    for (const hop of q.hops) {
      if (seen.has(hop.query)) continue;
      seen.add(hop.query);
      out.push({ query: hop.query, question: q.question, answer: q.golden_answers[0], hopAnswers: hop.answers });
    }
  }
  return out.slice(0, n);
}

export interface QualityRow {
  engine: string;
  queries: number;
  answerRate: number;
  wellFormedRate: number;
  distinctDocRate: number;
  docsPerSecond: number;
}

export interface EngineUnderTest {
  name: string;
  engine: SearchEngine;
  /** For simulated engines: the forced quality. */
  quality?: DocQuality;
}

interface QueryRecord {
  engine: string;
  i: number;
  answered: boolean;
  wellFormed: boolean;
  distinct: number;
  docs: number;
  seconds: number;
  texts?: string[];
}

/**
 * Evaluate every engine on `queries`, `batchSize` at a time. With `recordFile`, each finished batch is
 * appended there first and a rerun skips what it holds, so a run that dies (e.g. a remote simulator going
 * away) keeps its finished work.
 */
export async function evaluateEngines(
  engines: EngineUnderTest[],
  queries: EvalQuery[],
  opts: { topk?: number; batchSize?: number; recordFile?: string } = {},
): Promise<{ rows: QualityRow[]; examples: Record<string, string[][]> }> {
  const topk = opts.topk ?? 5;
  const batchSize = opts.batchSize ?? 16;
  const log = opts.recordFile ? JsonlLog.open<QueryRecord>(opts.recordFile, { key: (r) => `${r.engine}\u0000${r.i}` }) : null;
  const rows: QualityRow[] = [];
  const examples: Record<string, string[][]> = {};
  for (const { name, engine, quality } of engines) {
    // Batches are written in order, so an engine's records are queries 0 .. n-1.
    const records = (log?.rows ?? []).filter((r) => r.engine === name && r.i < queries.length).sort((a, b) => a.i - b.i);
    for (let start = records.length; start < queries.length; start += batchSize) {
      const batch = queries.slice(start, start + batchSize);
      const t0 = performance.now();
      let docs: Doc[][];
      let wellFormed: boolean[];
      if (engine instanceof SimulatedSearchEngine) {
        const r = await engine.searchDetailed(
          batch.map((q) => q.query),
          { topk, quality, context: batch },
        );
        docs = r.docs;
        wellFormed = r.wellFormed;
      } else {
        docs = await engine.search(
          batch.map((q) => q.query),
          { topk },
        );
        wellFormed = docs.map((d) => d.length === topk);
      }
      const seconds = (performance.now() - t0) / 1000;
      const fresh = batch.map((q, j): QueryRecord => {
        const texts = docs[j].map((d) => (d.title ? `${d.title} ${d.text}` : d.text));
        return {
          engine: name,
          i: start + j,
          answered: textContainsAnswer(texts.join(' \n '), q.hopAnswers),
          wellFormed: wellFormed[j],
          distinct: new Set(texts.map((t) => t.trim().toLowerCase())).size,
          docs: texts.length,
          seconds: seconds / batch.length,
          texts,
        };
      });
      log?.append(fresh);
      log?.sync();
      records.push(...fresh);
    }
    const n = records.length;
    const mean = (f: (r: QueryRecord) => number) => (n ? records.reduce((a, r) => a + f(r), 0) / n : NaN);
    const totalDocs = records.reduce((a, r) => a + r.docs, 0);
    const totalSeconds = records.reduce((a, r) => a + r.seconds, 0);
    rows.push({
      engine: name,
      queries: n,
      answerRate: mean((r) => (r.answered ? 1 : 0)),
      wellFormedRate: mean((r) => (r.wellFormed ? 1 : 0)),
      distinctDocRate: mean((r) => (r.docs ? r.distinct / r.docs : 0)),
      docsPerSecond: totalSeconds > 0 ? totalDocs / totalSeconds : Infinity,
    });
    examples[name] = records.slice(0, 3).map((r) => r.texts ?? []);
  }
  return { rows, examples };
}

/** A Markdown table of quality rows; the answer rate with its standard error over the queries (±1 s.e.). */
export function formatQualityTable(rows: QualityRow[]): string {
  const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
  const se = (r: QualityRow) => (r.queries > 0 ? ` ± ${(100 * Math.sqrt((r.answerRate * (1 - r.answerRate)) / r.queries)).toFixed(1)}` : '');
  return [
    '| engine | queries | answer rate | well-formed | distinct docs | docs/s |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.queries} | ${pct(r.answerRate)}${se(r)} | ${pct(r.wellFormedRate)} | ${pct(r.distinctDocRate)} | ${Number.isFinite(r.docsPerSecond) ? r.docsPerSecond.toFixed(1) : '∞'} |`,
    ),
  ].join('\n');
}
