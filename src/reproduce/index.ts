/**
 * `zerosearch reproduce`: every stage of the micro-world reproduction, the paper's tables over seeds, their
 * figures and the findings with intervals. It sits above eval/ and report/: it runs the one and writes through the other.
 */
export { REPRODUCE_PRESETS, SIMULATOR_WIDTHS, reproducePreset } from './presets';
export type { ReproducePreset, ReproducePresetName, RunSpec, TrainEngine, BaselineName } from './presets';
export { buildTables, seedTables, TABLE_ROWS, SERPAPI_USD_PER_QUERY, COST_COLUMNS } from './tables';
export type { ReproduceTables, SeedResult, RunSummary, TableName, LadderRung } from './tables';
export { findings, CLAIMS, testSamplingSe, formatFindings } from './findings';
export type { Finding, Verdict } from './findings';
export { reproductionFigures, writeFigures, paperRowsFor, PAPER_ROWS, PAPER_PAIRS } from './figures';
export { writeSummary, averageEm } from './summary';
export { reproduce, reproduceSeed, evalRows, defaultRlSeeds } from './reproduce';
export type { ReproduceOptions, ReproduceResult } from './reproduce';
export { seedStages, trainRun, runKey, reuseStages } from './stages';
export type { SeedStages } from './stages';
export { resolveRunConfig, runTrainerConfig, applySet, checkRunConfig } from './run-config';
export type { RunConfig } from './run-config';
