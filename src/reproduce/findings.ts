/**
 * The paper's findings, each checked as a paired difference of seven-set average EM between two of our rows,
 * with a 95% two-level bootstrap interval over RL seeds × test questions (./paired.ts). Verdict: `holds`
 * when the interval lies above 0 in the paper's direction, `reversed` when it lies below, `not
 * distinguishable` when it covers 0.
 */
import type { SeedResult } from './tables';
import { bootstrapInterval, Interval, pairedDifference, SeedSetValues } from '../eval/paired';

export type Verdict = 'holds' | 'reversed' | 'not distinguishable';

interface Claim {
  id: string;
  table: 'table3' | 'table4' | 'table5' | 'table6' | 'table7';
  claim: string;
  /** [row label, method key]: the row the paper finds better, and the one it finds worse. */
  better: [string, string];
  worse: [string, string];
  /** The paper's rows, e.g. "SFT-14B 34.47 vs SFT-7B 33.53 (Qwen-2.5-3B-Base)". */
  paper: string;
}

export interface Finding extends Claim {
  worldSeed: number;
  /** Row labels this preset did not run (the finding is then not checked). */
  missing: string[];
  /** null when this preset did not run one of the two rows. */
  result: null | {
    better: Interval;
    worse: Interval;
    difference: Interval;
    verdict: Verdict;
    rlSeeds: number[];
    questions: number;
  };
}

/** What the paper finds, in its own numbers (paper-tables.json, v2; Qwen-2.5-3B-Base unless named). */
export const CLAIMS: Claim[] = [
  {
    id: 'zs-vs-search-r1',
    table: 'table3',
    claim: 'Simulated search matches or beats real search (ZeroSearch ≥ Search-R1)',
    better: ['ZeroSearch', 'zerosearch'],
    worse: ['Search-R1', 'search-r1'],
    paper: 'ZeroSearch-base 34.47 vs Search-R1-base 32.81',
  },
  {
    id: 'search-vs-r1',
    table: 'table3',
    claim: 'RL with (simulated) search beats RL without search',
    better: ['ZeroSearch', 'zerosearch'],
    worse: ['R1', 'r1'],
    paper: 'ZeroSearch-base 34.47 vs R1-base 18.54',
  },
  {
    id: 'zs-vs-rag',
    table: 'table3',
    claim: 'ZeroSearch beats RAG',
    better: ['ZeroSearch', 'zerosearch'],
    worse: ['RAG', 'rag'],
    paper: 'ZeroSearch-base 34.47 vs RAG 25.09 (3B-Instruct)',
  },
  {
    id: 'zs-vs-direct',
    table: 'table3',
    claim: 'ZeroSearch beats Direct Answer',
    better: ['ZeroSearch', 'zerosearch'],
    worse: ['Direct Answer', 'direct'],
    paper: 'ZeroSearch-base 34.47 vs Direct Answer 15.00 (3B-Instruct)',
  },
  {
    id: 'rl-vs-base',
    table: 'table4',
    claim: 'RL improves on the base policy',
    better: ['SFT', 'zerosearch'],
    worse: ['Base Model', 'base'],
    paper: 'SFT-14B 34.47 vs Base Model 8.82',
  },
  {
    id: 'sft-vs-prompt',
    table: 'table4',
    claim: 'A fine-tuned simulator beats a prompt-only one',
    better: ['SFT', 'zerosearch'],
    worse: ['Prompt', 'zerosearch-prompt'],
    paper: 'SFT-3B 30.47 vs Prompt-3B 29.44; SFT-14B 34.47 vs Prompt-14B 31.50',
  },
  {
    id: 'size-large-vs-mid',
    table: 'table4',
    claim: 'A larger SFT simulator is better (large vs middle)',
    better: ['SFT-large', 'zerosearch-sft-large'],
    worse: ['SFT', 'zerosearch'],
    paper: 'SFT-14B 34.47 vs SFT-7B 33.53',
  },
  {
    id: 'size-mid-vs-small',
    table: 'table4',
    claim: 'A larger SFT simulator is better (middle vs small)',
    better: ['SFT', 'zerosearch'],
    worse: ['SFT-small', 'zerosearch-sft-small'],
    paper: 'SFT-7B 33.53 vs SFT-3B 30.47',
  },
  {
    id: 'size-large-vs-real',
    table: 'table4',
    claim: 'The largest simulator beats the real engine',
    better: ['SFT-large', 'zerosearch-sft-large'],
    worse: ['BM25 (real)', 'search-r1'],
    paper: 'SFT-14B 34.47 vs Google 32.81 (SFT-3B 30.47 falls below it)',
  },
  {
    id: 'reinforce-vs-grpo',
    table: 'table5',
    claim: 'REINFORCE ≥ GRPO',
    better: ['REINFORCE', 'zerosearch-reinforce'],
    worse: ['GRPO', 'zerosearch-grpo'],
    paper: 'REINFORCE 34.47 vs GRPO 33.17',
  },
  {
    id: 'grpo-vs-ppo',
    table: 'table5',
    claim: 'GRPO ≥ PPO',
    better: ['GRPO', 'zerosearch-grpo'],
    worse: ['PPO', 'zerosearch-ppo'],
    paper: 'GRPO 33.17 vs PPO 32.67',
  },
  {
    id: 'reinforce-vs-ppo',
    table: 'table5',
    claim: 'REINFORCE ≥ PPO',
    better: ['REINFORCE', 'zerosearch-reinforce'],
    worse: ['PPO', 'zerosearch-ppo'],
    paper: 'REINFORCE 34.47 vs PPO 32.67',
  },
  {
    id: 'curriculum-vs-random',
    table: 'table6',
    claim: 'The curriculum beats a constant noise probability (random)',
    better: ['Curriculum', 'zerosearch'],
    worse: ['Random', 'zerosearch-random'],
    paper: 'Curriculum 34.47 vs Random 32.59 (LLaMA-3.2-3B-Base 36.07 vs 34.84)',
  },
  {
    id: 'mask-vs-nomask',
    table: 'table7',
    claim: 'Masking document tokens out of the loss helps',
    better: ['w/ mask', 'zerosearch'],
    worse: ['w/o mask', 'zerosearch-nomask'],
    paper: 'w/ mask 36.07 vs w/o mask 34.53 (LLaMA-3.2-3B-Base)',
  },
];

/** Per-question EM of `key` as `values[rlSeed][set][question]` over the given results (null if not run). */
export function methodValues(results: readonly SeedResult[], key: string): SeedSetValues | null {
  if (results.some((r) => !r.perQuestion[key])) return null;
  const sets = Object.keys(results[0].perQuestion[key]);
  return results.map((r) => sets.map((set) => r.perQuestion[key][set] ?? []));
}

export function verdictOf(d: Interval): Verdict {
  return d.low > 0 ? 'holds' : d.high < 0 ? 'reversed' : 'not distinguishable';
}

/** Every claim on every world seed (findings are paired within a world seed, whose questions are shared). */
export function findings(seeds: readonly SeedResult[], opts: { replicates?: number } = {}): Finding[] {
  const worldSeeds = [...new Set(seeds.map((s) => s.seed))];
  return worldSeeds.flatMap((worldSeed) => {
    const results = seeds.filter((s) => s.seed === worldSeed);
    return CLAIMS.map((c): Finding => {
      const a = methodValues(results, c.better[1]);
      const b = methodValues(results, c.worse[1]);
      if (!a || !b) return { ...c, worldSeed, missing: [...(a ? [] : [c.better[0]]), ...(b ? [] : [c.worse[0]])], result: null };
      const boot = (v: SeedSetValues) => bootstrapInterval(v, { replicates: opts.replicates, seed: worldSeed });
      const difference = boot(pairedDifference(a, b));
      return {
        ...c,
        worldSeed,
        missing: [],
        result: {
          better: boot(a),
          worse: boot(b),
          difference,
          verdict: verdictOf(difference),
          rlSeeds: results.map((r) => r.rlSeed),
          questions: a[0].reduce((n, set) => n + set.length, 0),
        },
      };
    });
  });
}

/**
 * Test-sampling standard error of a method's seven-set average EM on one evaluation: the binomial
 * variance of each set's EM, propagated to the unweighted mean (what more test questions shrink).
 */
export function testSamplingSe(perSet: Record<string, number[]>): number {
  const sets = Object.values(perSet);
  const variance = sets.reduce((acc, xs) => {
    const p = xs.reduce((a, x) => a + x, 0) / xs.length;
    return acc + (p * (1 - p)) / xs.length;
  }, 0);
  return Math.sqrt(variance) / sets.length;
}

/** Findings as a plain-text table (notebooks, the CLI): verdict, claim, our paired difference and interval, the paper's rows. */
export function formatFindings(found: readonly Finding[]): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
  return found
    .map((f) => {
      if (!f.result) return `${'not run'.padEnd(20)} ${f.claim}`;
      const d = f.result.difference;
      return `${f.result.verdict.padEnd(20)} ${f.claim}: ${pct(d.estimate)} [${pct(d.low)}, ${pct(d.high)}] EM points (paper: ${f.paper})`;
    })
    .join('\n');
}
