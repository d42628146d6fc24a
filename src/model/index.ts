export { modelConfig, configFromHf, configToHf, HF_ARCHITECTURES } from './config';
export type { ModelConfig, ModelConfigInput, Architecture, Llama3RopeScaling } from './config';
export { Transformer, createModel, parameterShapes, isLinearWeight } from './transformer';
export type { TokenStatsOptions } from './transformer';
export { KvCache } from './kv-cache';
export { generate, sampleToken, stopOnStrings } from './generate';
export type { GenerateOptions, GenerateResult, SampleOptions } from './generate';
