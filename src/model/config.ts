/**
 * Model configuration: a plain object, with names that follow Hugging Face's config.json where one exists
 * (camelCase here, snake_case there). `configFromHf` / `configToHf` translate both ways for the two
 * architectures the kit serves: Qwen2ForCausalLM (Qwen2 / Qwen2.5) and LlamaForCausalLM (LLaMA-2/3/3.2).
 */

/** LLaMA-3's frequency-dependent RoPE rescaling (`rope_scaling.rope_type = "llama3"` in config.json). */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads for grouped-query attention; must divide numHeads (numKvHeads = numHeads is plain MHA). */
  numKvHeads: number;
  intermediateSize: number;
  /** Per-head width; HF's default is hiddenSize / numHeads. */
  headDim: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  rmsNormEps: number;
  maxPositions: number;
  /** lm_head shares the token-embedding matrix. */
  tieEmbeddings: boolean;
  /** Biases on the q/k/v projections: Qwen2 has them, LLaMA does not. */
  qkvBias: boolean;
}

/** What a caller must give; everything else has a default. */
export type ModelConfigInput = Pick<ModelConfig, 'vocabSize' | 'hiddenSize' | 'numLayers' | 'numHeads' | 'intermediateSize'> & Partial<ModelConfig>;

export type Architecture = 'qwen2' | 'llama';
export const HF_ARCHITECTURES: Record<Architecture, string> = { qwen2: 'Qwen2ForCausalLM', llama: 'LlamaForCausalLM' };

/** Fill defaults and check the shape constraints; `source` names the origin in error messages. */
export function modelConfig(input: ModelConfigInput, source = 'model config'): ModelConfig {
  const config: ModelConfig = {
    numKvHeads: input.numHeads,
    headDim: Math.floor(input.hiddenSize / input.numHeads),
    ropeTheta: 10000,
    ropeScaling: null,
    rmsNormEps: 1e-6,
    maxPositions: 2048,
    tieEmbeddings: false,
    qkvBias: true,
    ...input,
  };
  const positive: Array<keyof ModelConfig> = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'intermediateSize', 'headDim', 'maxPositions'];
  for (const key of positive) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`${source}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  if (config.numHeads % config.numKvHeads !== 0) {
    throw new Error(`${source}: numKvHeads (${config.numKvHeads}) must divide numHeads (${config.numHeads})`);
  }
  if (config.headDim % 2 !== 0) throw new Error(`${source}: headDim must be even for rotary embeddings, got ${config.headDim}`);
  if (!(config.ropeTheta > 0)) throw new Error(`${source}: ropeTheta must be positive, got ${config.ropeTheta}`);
  if (!(config.rmsNormEps > 0)) throw new Error(`${source}: rmsNormEps must be positive, got ${config.rmsNormEps}`);
  return config;
}

type HfJson = Record<string, unknown>;

function hfNumber(json: HfJson, key: string, source: string, fallback?: number): number {
  const v = json[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${source}: missing field "${key}" (expected a number)`);
  }
  if (typeof v !== 'number') throw new Error(`${source}: field "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Translate a HF config.json object. `source` (usually the file path) is named in every error. */
export function configFromHf(json: HfJson, source = 'config.json'): ModelConfig {
  const archs = json.architectures;
  const arch = Array.isArray(archs) ? String(archs[0]) : String(json.model_type ?? '');
  const supported = Object.values(HF_ARCHITECTURES);
  const kind: Architecture | undefined =
    arch === 'Qwen2ForCausalLM' || arch === 'qwen2' ? 'qwen2' : arch === 'LlamaForCausalLM' || arch === 'llama' ? 'llama' : undefined;
  if (!kind) {
    throw new Error(`${source}: unsupported architecture ${JSON.stringify(arch || archs)}; supported: ${supported.join(', ')}`);
  }
  const act = json.hidden_act ?? 'silu';
  if (act !== 'silu') throw new Error(`${source}: hidden_act "${act}" is not supported (expected "silu")`);
  if (json.use_sliding_window === true) {
    throw new Error(`${source}: use_sliding_window = true is not supported (expected false: full causal attention)`);
  }
  if (kind === 'llama' && (json.attention_bias === true || json.mlp_bias === true)) {
    throw new Error(`${source}: LLaMA attention_bias/mlp_bias = true is not supported (expected false)`);
  }
  const numHeads = hfNumber(json, 'num_attention_heads', source);
  const hiddenSize = hfNumber(json, 'hidden_size', source);
  return modelConfig(
    {
      vocabSize: hfNumber(json, 'vocab_size', source),
      hiddenSize,
      numLayers: hfNumber(json, 'num_hidden_layers', source),
      numHeads,
      numKvHeads: hfNumber(json, 'num_key_value_heads', source, numHeads),
      intermediateSize: hfNumber(json, 'intermediate_size', source),
      headDim: hfNumber(json, 'head_dim', source, Math.floor(hiddenSize / numHeads)),
      ropeTheta: hfNumber(json, 'rope_theta', source, 10000),
      ropeScaling: ropeScalingFromHf(json.rope_scaling, source),
      rmsNormEps: hfNumber(json, 'rms_norm_eps', source, 1e-6),
      maxPositions: hfNumber(json, 'max_position_embeddings', source, 2048),
      tieEmbeddings: json.tie_word_embeddings === undefined ? false : Boolean(json.tie_word_embeddings),
      qkvBias: kind === 'qwen2',
    },
    source,
  );
}

function ropeScalingFromHf(v: unknown, source: string): Llama3RopeScaling | null {
  if (v === undefined || v === null) return null;
  const s = v as HfJson;
  const type = s.rope_type ?? s.type;
  if (type === 'default') return null;
  if (type !== 'llama3') {
    throw new Error(`${source}: rope_scaling type ${JSON.stringify(type)} is not supported (expected null or "llama3")`);
  }
  return {
    type: 'llama3',
    factor: hfNumber(s, 'factor', `${source} rope_scaling`),
    lowFreqFactor: hfNumber(s, 'low_freq_factor', `${source} rope_scaling`),
    highFreqFactor: hfNumber(s, 'high_freq_factor', `${source} rope_scaling`),
    originalMaxPositions: hfNumber(s, 'original_max_position_embeddings', `${source} rope_scaling`),
  };
}

/** A HF config.json object for `config` (what vLLM / sglang / transformers expect next to the weights). */
export function configToHf(config: ModelConfig, arch: Architecture): HfJson {
  if (arch === 'llama' && config.qkvBias) throw new Error('configToHf: LlamaForCausalLM has no q/k/v biases; use arch "qwen2" or qkvBias false');
  if (arch === 'qwen2' && !config.qkvBias) throw new Error('configToHf: Qwen2ForCausalLM always has q/k/v biases; use arch "llama" or qkvBias true');
  const json: HfJson = {
    architectures: [HF_ARCHITECTURES[arch]],
    model_type: arch,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    intermediate_size: config.intermediateSize,
    head_dim: config.headDim,
    hidden_act: 'silu',
    rope_theta: config.ropeTheta,
    rope_scaling: config.ropeScaling && {
      rope_type: 'llama3',
      factor: config.ropeScaling.factor,
      low_freq_factor: config.ropeScaling.lowFreqFactor,
      high_freq_factor: config.ropeScaling.highFreqFactor,
      original_max_position_embeddings: config.ropeScaling.originalMaxPositions,
    },
    rms_norm_eps: config.rmsNormEps,
    max_position_embeddings: config.maxPositions,
    tie_word_embeddings: config.tieEmbeddings,
    torch_dtype: 'float32',
  };
  if (arch === 'llama') Object.assign(json, { attention_bias: false, mlp_bias: false });
  if (arch === 'qwen2') Object.assign(json, { use_sliding_window: false });
  return json;
}
