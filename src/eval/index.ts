/** Evaluation, baselines, result tables, figures and the one-command reproduction (`zerosearch eval`, `zerosearch reproduce`). */
export { evaluatePolicy, summarizeRecords, toRecord, emByDataset } from './evaluate';
export type { EvalRow, EvalRecord, EvalReport, DatasetScores, EvaluateOptions } from './evaluate';
export { directPrompt, ragPrompt, ragPrompts, DIRECT_THOUGHT } from './baselines';
export { REPRODUCE_PRESETS, CURRICULUM, SIMULATOR_WIDTHS, reproducePreset } from './presets';
export type { ReproducePreset, ReproducePresetName, RunSpec, TrainEngine, BaselineName } from './presets';
export { buildTables, seedTables, TABLE_ROWS, SERPAPI_USD_PER_QUERY, COST_COLUMNS } from './tables';
export type { ReproduceTables, SeedResult, RunSummary, TableName, LadderRung } from './tables';
export { findings, CLAIMS, testSamplingSe, formatFindings } from './findings';
export type { Finding, Verdict } from './findings';
export { bootstrapInterval, pairedDifference, seedSetMean } from './paired';
export type { Interval } from './paired';
export { reproductionFigures, writeFigures, paperRowsFor, PAPER_ROWS, PAPER_PAIRS } from './figures';
export { writeSummary, averageEm } from './summary';
export { reproduce, reproduceSeed, evalRows, defaultRlSeeds } from './reproduce';
export { seedStages, trainRun, runKey, runConfig, reuseStages } from './stages';
export type { ReproduceOptions, ReproduceResult } from './reproduce';
export { loadPolicy } from './load';
