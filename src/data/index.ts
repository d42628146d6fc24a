// preprocessQuestion is exported publicly through src/agent (the policy template uses it).
export { loadQaJsonl, toQaRow } from './qa';
export type { QaRow, LoadQaOptions } from './qa';
export {
  BENCHMARK_NAMES, BENCHMARKS, DEFAULT_BENCHMARK_DIR, benchmarkInfo, benchmarkFile, loadBenchmark,
} from './benchmarks';
export type { BenchmarkName, BenchmarkInfo } from './benchmarks';
export { toSearchR1Rows, writeSearchR1Parquet, exportSearchR1Parquet, importSearchR1Parquet } from './parquet';
export type { SearchR1Row, SearchR1ExportOptions, ChatPrompt } from './parquet';
export { scorePredictions, loadPredictionsJsonl } from './score';
export type { Prediction, MissingPolicy, SetScores, ScoreReport } from './score';
export { loadQaFiles } from './qa-files';
