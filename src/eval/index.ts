/** Evaluation of a policy with a search engine (`zerosearch eval`), the baselines, and the statistics of comparisons. */
export { evaluatePolicy, summarizeRecords, toRecord, emPerSet } from './evaluate';
export type { EvalRow, EvalRecord, EvalReport, DatasetScores, EvaluateOptions } from './evaluate';
export { directPrompt, ragPrompt, ragPrompts, DIRECT_THOUGHT } from './baselines';
export { bootstrapInterval, pairedDifference, seedSetMean } from './paired';
export type { Interval } from './paired';
export { loadPolicy } from './load';
