/**
 * The seven evaluation sets of ZeroSearch (spec §2.3, §10), in the paper's column order, and where
 * their files live. Files are FlashRAG's (`RUC-NLPIR/FlashRAG_datasets`, `<name>/<split>.jsonl`),
 * fetched by `data/download-benchmarks.sh` into `data/benchmarks/`. Split choice follows Search-R1:
 * the test split where the set has a public one, else dev.
 */
import * as path from 'path';
import { loadQaJsonl, type QaRow } from './qa';

export const BENCHMARK_NAMES = ['nq', 'triviaqa', 'popqa', 'hotpotqa', '2wikimultihopqa', 'musique', 'bamboogle'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export interface BenchmarkInfo {
  name: BenchmarkName;
  /** Column header in the paper's tables (as in shared reference/paper-tables.json). */
  label: string;
  split: 'test' | 'dev';
  /** Rows in FlashRAG's file (the download script checks it). */
  rows: number;
  multiHop: boolean;
  /** NQ and HotpotQA are the training sets' sources (in-domain); the rest are out-of-domain. */
  inDomain: boolean;
}

export const BENCHMARKS: Readonly<Record<BenchmarkName, BenchmarkInfo>> = {
  nq: { name: 'nq', label: 'NQ', split: 'test', rows: 3610, multiHop: false, inDomain: true },
  triviaqa: { name: 'triviaqa', label: 'TriviaQA', split: 'test', rows: 11313, multiHop: false, inDomain: false },
  popqa: { name: 'popqa', label: 'PopQA', split: 'test', rows: 14267, multiHop: false, inDomain: false },
  hotpotqa: { name: 'hotpotqa', label: 'HotpotQA', split: 'dev', rows: 7405, multiHop: true, inDomain: true },
  '2wikimultihopqa': { name: '2wikimultihopqa', label: '2Wiki', split: 'dev', rows: 12576, multiHop: true, inDomain: false },
  musique: { name: 'musique', label: 'Musique', split: 'dev', rows: 2417, multiHop: true, inDomain: false },
  bamboogle: { name: 'bamboogle', label: 'Bamboogle', split: 'test', rows: 125, multiHop: true, inDomain: false },
};

/** Where the download script puts the files, relative to the repository root. */
export const DEFAULT_BENCHMARK_DIR = path.join('data', 'benchmarks');

export function benchmarkInfo(name: string): BenchmarkInfo {
  if (!(BENCHMARK_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown benchmark ${JSON.stringify(name)} (expected one of ${BENCHMARK_NAMES.join(', ')})`);
  }
  return BENCHMARKS[name as BenchmarkName];
}

/** Path of a benchmark's file: `<root>/<name>/<split>.jsonl`. */
export function benchmarkFile(name: string, root: string = DEFAULT_BENCHMARK_DIR): string {
  const info = benchmarkInfo(name);
  return path.join(root, info.name, `${info.split}.jsonl`);
}

/** Load one benchmark's rows, tagged with its name as `data_source`. */
export function loadBenchmark(name: string, opts: { root?: string; limit?: number } = {}): QaRow[] {
  const file = benchmarkFile(name, opts.root);
  try {
    return loadQaJsonl(file, { dataSource: name, limit: opts.limit });
  } catch (err) {
    const msg = (err as Error).message;
    if (/file not found/.test(msg)) throw new Error(`${msg}. Fetch the benchmarks with: bash data/download-benchmarks.sh`);
    throw err;
  }
}
