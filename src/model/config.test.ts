import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromHf, configToHf } from './config';
import { parameterShapes } from './parameters';

// Published config.json files (Qwen/Qwen2.5-0.5B-Instruct, meta-llama/Llama-3.2-1B), verbatim.
const qwen25 = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};
const llama32 = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: 128001,
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  vocab_size: 128256,
};

const count = (shapes: Map<string, number[]>) => [...shapes.values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);

test('real Qwen2.5 and LLaMA-3.2 configs parse, and imply the published parameter counts', () => {
  const q = configFromHf(qwen25);
  assert.equal(q.headDim, 64);
  assert.equal(q.numKvHeads, 2);
  assert.equal(q.qkvBias, true);
  assert.equal(q.tieEmbeddings, true);
  assert.equal(q.ropeTheta, 1e6);
  assert.equal(count(parameterShapes(q)), 494_032_768); // Qwen2.5-0.5B: "0.49B"
  const l = configFromHf(llama32);
  assert.equal(l.qkvBias, false);
  assert.deepEqual(l.ropeScaling, { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
  assert.equal(count(parameterShapes(l)), 1_235_814_400); // Llama-3.2-1B: "1.24B"
});

test('configToHf round-trips through configFromHf', () => {
  for (const [json, arch] of [
    [qwen25, 'qwen2'],
    [llama32, 'llama'],
  ] as const) {
    const config = configFromHf(json);
    assert.deepEqual(configFromHf(configToHf(config, arch)), config);
  }
  assert.throws(() => configToHf(configFromHf(qwen25), 'llama'), /LlamaForCausalLM has no q\/k\/v biases/);
});

test('unsupported configs are rejected with the file and field named', () => {
  assert.throws(
    () => configFromHf({ ...qwen25, architectures: ['MistralForCausalLM'] }, 'm/config.json'),
    /m\/config\.json: unsupported architecture "MistralForCausalLM"; supported: Qwen2ForCausalLM, LlamaForCausalLM/,
  );
  assert.throws(() => configFromHf({ ...qwen25, use_sliding_window: true }, 'c.json'), /c\.json: use_sliding_window = true is not supported/);
  assert.throws(() => configFromHf({ ...llama32, rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'c.json'), /rope_scaling type "yarn" is not supported/);
  assert.throws(() => configFromHf({ ...qwen25, hidden_size: undefined }, 'c.json'), /c\.json: missing field "hidden_size"/);
  assert.throws(() => configFromHf({ ...qwen25, num_key_value_heads: 5 }, 'c.json'), /numKvHeads \(5\) must divide numHeads \(14\)/);
});
