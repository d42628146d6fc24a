/** The simulation LLM: world knowledge, SFT data from a real engine, labels, SFT, prompt-only simulator, quality. */
export { sftPrompt, promptOnlyPrompt, renderTarget, outputLabel, promptVocabularyTexts, SIMULATOR_TOPK } from './prompts';
export type { DocQuality, SimulatorQuery } from './prompts';
export { parseSimulatorOutput } from './parse';
export type { ParsedDocs } from './parse';
export { knowledgeSampler, factProbes, factCompletionAccuracy } from './knowledge';
export type { FactProbe, KnowledgeReport } from './knowledge';
export { collectSftPairs } from './collect';
export type { CollectedPair, CollectOptions, QueryKind } from './collect';
export { oracleLabeller, trajectoryLabeller, judgeLabeller, judgePrompt, parseVerdict, makeLabeller } from './labels';
export type { Labeller, LabelName } from './labels';
export { buildSftExamples, sftSequence } from './sft-data';
export type { SftExample, SftDataCounts } from './sft-data';
export { heldOutQueries, evaluateEngines, formatQualityTable } from './quality';
export type { EvalQuery, QualityRow, EngineUnderTest } from './quality';
export { buildSimulator, simulatorTokenizer, SIMULATOR_PRESETS } from './pipeline';
export type { BuildSimulatorOptions, SimulatorBuild, SimulatorPreset, TrainStageConfig } from './pipeline';
export { serveSimulator } from './server';
export type { SimulatorServerOptions, RunningSimulatorServer } from './server';
