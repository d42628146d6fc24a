/** Evaluation, baselines, result tables, figures and the one-command reproduction (`zerosearch eval`, `zerosearch reproduce`). */
export { evaluatePolicy, summarizeRecords, toRecord, emByDataset } from './evaluate';
export type { EvalRow, EvalRecord, EvalReport, DatasetScores, EvaluateOptions } from './evaluate';
export { directPrompt, ragPrompt, ragPrompts, DIRECT_THOUGHT } from './baselines';
export { REPRODUCE_PRESETS, CURRICULUM } from './presets';
export type { ReproducePreset, RunSpec, TrainEngine, BaselineName } from './presets';
export { buildTables, seedTables, TABLE_ROWS, SERPAPI_USD_PER_QUERY, COST_COLUMNS } from './tables';
export type { ReproduceTables, SeedResult, RunSummary, TableName } from './tables';
export { reproductionFigures, writeFigures, paperRowsFor, PAPER_ROWS } from './figures';
export { writeSummary, averageEm } from './summary';
export { reproduce, reproduceSeed, testRows, readRunMetrics } from './reproduce';
export type { ReproduceOptions, ReproduceResult } from './reproduce';
export { loadPolicy } from './load';
