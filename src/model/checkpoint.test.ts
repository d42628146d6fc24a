import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { Rng, writeJsonAtomic } from '../util';
import { SafetensorsDtype, SafetensorsFile, writeSafetensors } from './safetensors';
import { loadCheckpoint, loadHfModel, saveCheckpoint } from './checkpoint';

const repoRoot = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-checkpoint-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ids = [3, 17, 42, 5, 0, 61, 8];

before(async () => {
  await initBackend();
});

/** HF config.json fields, written by hand (not via configToHf) so the loader is tested against HF's format. */
const qwen2Config = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  vocab_size: 64,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  hidden_act: 'silu',
  rope_theta: 1000000.0,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 128,
  tie_word_embeddings: false,
  torch_dtype: 'float32',
};
const llamaConfig = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 64,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  intermediate_size: 40,
  hidden_act: 'silu',
  rope_theta: 500000.0,
  rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 16 },
  rms_norm_eps: 1e-5,
  max_position_embeddings: 128,
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
};

/** HF-layout weights ([out, in] linear weights) drawn at random, for a config like the ones above. */
function hfWeights(cfg: typeof qwen2Config & { tie_word_embeddings: boolean }, bias: boolean, seed: number) {
  const rng = new Rng(seed);
  const { vocab_size: V, hidden_size: d, num_attention_heads: H, num_key_value_heads: K, intermediate_size: m } = cfg;
  const hd = d / H;
  const shapes: Array<[string, number[]]> = [
    ['model.embed_tokens.weight', [V, d]],
    ['model.norm.weight', [d]],
  ];
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    shapes.push(
      [`${p}self_attn.q_proj.weight`, [H * hd, d]],
      [`${p}self_attn.k_proj.weight`, [K * hd, d]],
      [`${p}self_attn.v_proj.weight`, [K * hd, d]],
      [`${p}self_attn.o_proj.weight`, [d, H * hd]],
      [`${p}mlp.gate_proj.weight`, [m, d]],
      [`${p}mlp.up_proj.weight`, [m, d]],
      [`${p}mlp.down_proj.weight`, [d, m]],
      [`${p}input_layernorm.weight`, [d]],
      [`${p}post_attention_layernorm.weight`, [d]],
    );
    if (bias) shapes.push([`${p}self_attn.q_proj.bias`, [H * hd]], [`${p}self_attn.k_proj.bias`, [K * hd]], [`${p}self_attn.v_proj.bias`, [K * hd]]);
  }
  if (!cfg.tie_word_embeddings) shapes.push(['lm_head.weight', [V, d]]);
  return shapes.map(([name, shape]) => ({
    name,
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (name.includes('norm') ? 1 : 0) + 0.3 * rng.normal()),
  }));
}

function writeHfDir(name: string, cfg: Record<string, unknown>, weights: ReturnType<typeof hfWeights>, dtype: SafetensorsDtype = 'F32'): string {
  const dir = path.join(tmp, name);
  writeJsonAtomic(path.join(dir, 'config.json'), cfg);
  writeSafetensors(path.join(dir, 'model.safetensors'), weights, { dtype, metadata: { format: 'pt' } });
  return dir;
}

function lastLogits(dir: string): number[] {
  const model = loadHfModel(dir);
  const logits = model.forward([ids]);
  const out = (logits.arraySync() as number[][][])[0][ids.length - 1];
  logits.dispose();
  model.dispose();
  return out;
}

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

function runJson(cmd: string, args: string[]): { logits_last: number[] } {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ZS_QUIET: '1' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const numpyAvailable = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

for (const [label, cfg, bias, dtype] of [
  ['Qwen2 (q/k/v biases, GQA 4:2, untied, F32)', qwen2Config, true, 'F32'],
  ['LLaMA (no biases, GQA 4:1, tied, llama3 rope scaling, BF16)', llamaConfig, false, 'BF16'],
] as const) {
  test(`${label}: zerosearch logits agrees with the numpy reference to 1e-3`, (t) => {
    const dir = writeHfDir(cfg.model_type, cfg, hfWeights(cfg as typeof qwen2Config, bias, 11), dtype);
    const cli = runJson('node', ['bin/zerosearch.js', 'logits', '--model', dir, '--ids', ids.join(',')]).logits_last;
    assert.equal(cli.length, cfg.vocab_size);
    assert.ok(maxDiff(cli, lastLogits(dir)) < 1e-5, 'CLI prints the in-process forward');
    assert.ok(Math.max(...cli) - Math.min(...cli) > 1, 'logits are not degenerate');
    if (!numpyAvailable) {
      t.skip('/usr/bin/python3 has no numpy: reference comparison skipped');
      return;
    }
    const reference = runJson('/usr/bin/python3', ['scripts/reference_qwen2.py', '--model', dir, '--ids', ids.join(',')]).logits_last;
    const diff = maxDiff(cli, reference);
    assert.ok(diff < 1e-3, `max |kit - numpy reference| = ${diff}`);
    t.diagnostic(`max |kit - numpy reference| = ${diff.toExponential(2)}`);
  });
}

test('sharded checkpoints (model.safetensors.index.json) load like a single file', () => {
  const weights = hfWeights(qwen2Config, true, 11);
  const single = writeHfDir('qwen2-single', qwen2Config, weights);
  const dir = path.join(tmp, 'qwen2-sharded');
  writeJsonAtomic(path.join(dir, 'config.json'), qwen2Config);
  const half = Math.floor(weights.length / 2);
  const shards = [weights.slice(0, half), weights.slice(half)];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(path.join(dir, file), shard);
    for (const w of shard) weightMap[w.name] = file;
  });
  writeJsonAtomic(path.join(dir, 'model.safetensors.index.json'), { metadata: {}, weight_map: weightMap });
  assert.equal(maxDiff(lastLogits(dir), lastLogits(single)), 0);
});

test('saveCheckpoint writes HF layout that loads back to the same logits (F32 exact, BF16 close)', () => {
  const tensorsBefore = tf.memory().numTensors;
  const source = writeHfDir('qwen2-src', qwen2Config, hfWeights(qwen2Config, true, 12));
  const model = loadHfModel(source);
  const out = path.join(tmp, 'saved');
  saveCheckpoint(model, out);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['Qwen2ForCausalLM']);
  const file = new SafetensorsFile(path.join(out, 'model.safetensors'));
  assert.deepEqual(file.tensors.get('model.layers.0.mlp.gate_proj.weight')!.shape, [48, 32], 'linear weights saved [out, in]');
  assert.equal(file.metadata.format, 'pt');
  file.close();
  assert.equal(maxDiff(lastLogits(out), lastLogits(source)), 0);
  const outBf16 = path.join(tmp, 'saved-bf16');
  saveCheckpoint(model, outBf16, { dtype: 'BF16' });
  assert.ok(maxDiff(lastLogits(outBf16), lastLogits(source)) < 0.1);
  const reloaded = loadCheckpoint(out);
  assert.deepEqual(reloaded.config, model.config);
  reloaded.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak across load/save');
});

test('bad model directories give errors naming the file and what was expected', () => {
  const tensorsBefore = tf.memory().numTensors;
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  assert.throws(() => loadHfModel(empty), /empty: no config\.json \(expected a Hugging Face model directory/);

  const noWeights = path.join(tmp, 'no-weights');
  writeJsonAtomic(path.join(noWeights, 'config.json'), qwen2Config);
  assert.throws(() => loadHfModel(noWeights), /no-weights: no model\.safetensors or model\.safetensors\.index\.json/);

  const gpt = writeHfDir('gpt2', { ...qwen2Config, architectures: ['GPT2LMHeadModel'] }, []);
  assert.throws(() => loadHfModel(gpt), /gpt2\/config\.json: unsupported architecture "GPT2LMHeadModel"; supported: Qwen2ForCausalLM, LlamaForCausalLM/);

  const weights = hfWeights(qwen2Config, true, 13);
  const wrongShape = writeHfDir('wrong-shape', { ...qwen2Config, intermediate_size: 40 }, weights);
  assert.throws(
    () => loadHfModel(wrongShape),
    /wrong-shape\/model\.safetensors: tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[48,32\], expected \[40,32\]/,
  );

  const missing = writeHfDir(
    'missing',
    qwen2Config,
    weights.filter((w) => w.name !== 'model.layers.1.self_attn.k_proj.bias'),
  );
  assert.throws(() => loadHfModel(missing), /missing\/model\.safetensors: missing weight "model\.layers\.1\.self_attn\.k_proj\.bias"/);

  const truncated = writeHfDir('truncated', qwen2Config, weights);
  const file = path.join(truncated, 'model.safetensors');
  fs.truncateSync(file, fs.statSync(file).size - 100);
  assert.throws(() => loadHfModel(truncated), /truncated\/model\.safetensors: tensor ".*" byte range .* runs past the end of the data/);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'failed loads free what they allocated');
});

test('a checkpoint that disagrees with its config.json is refused, naming the file: missing layer, extra tensors, NaN weights, overlapping bytes', () => {
  const tensorsBefore = tf.memory().numTensors;
  const weights = hfWeights(qwen2Config, true, 14);
  assert.throws(
    () => loadHfModel(writeHfDir('one-layer-short', { ...qwen2Config, num_hidden_layers: 3 }, weights)),
    /one-layer-short\/model\.safetensors: missing weight "model\.layers\.2\./,
  );
  // A config with fewer layers than the weights used to load the first layers and drop the rest silently.
  assert.throws(
    () => loadHfModel(writeHfDir('layer-dropped', { ...qwen2Config, num_hidden_layers: 1 }, weights)),
    /layer-dropped\/model\.safetensors: 12 tensor\(s\) that .*config\.json does not explain \(model\.layers\.1\..*num_hidden_layers = 1/,
  );
  const stray = writeHfDir('stray', qwen2Config, [...weights, { name: 'value_head.weight', shape: [1, 32], data: new Float32Array(32) }]);
  assert.throws(() => loadHfModel(stray), /stray\/model\.safetensors: 1 tensor\(s\) that .* does not explain \(value_head\.weight\)/);
  const rope = writeHfDir('rope-buffers', qwen2Config, [
    ...weights,
    { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', shape: [4], data: new Float32Array(4) },
  ]);
  loadHfModel(rope).dispose(); // RoPE tables some exporters keep are explained

  const nan = weights.map((w) =>
    w.name === 'model.layers.1.mlp.up_proj.weight' ? { ...w, data: Float32Array.from(w.data, (x, i) => (i === 7 ? NaN : i === 9 ? Infinity : x)) } : w,
  );
  const nanDir = writeHfDir('nan-weights', qwen2Config, nan);
  assert.throws(
    () => loadHfModel(nanDir),
    /nan-weights\/model\.safetensors: tensor "model\.layers\.1\.mlp\.up_proj\.weight" holds 2 NaN or infinite value\(s\) \(the first at flat index 7\)/,
  );
  loadHfModel(nanDir, { allowNonFinite: true }).dispose();

  // Two tensors claiming the same bytes: the header is hand-made, the data long enough for both.
  const overlapping = path.join(tmp, 'overlap.safetensors');
  const header = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(overlapping, Buffer.concat([len, header, Buffer.alloc(12)]));
  assert.throws(() => new SafetensorsFile(overlapping), /overlap\.safetensors: tensors "a" \[0,8\) and "b" \[4,12\) overlap/);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'failed loads free what they allocated');
});

test('zerosearch logits checks the ids against the model (positions, vocabulary) before loading it', () => {
  const dir = writeHfDir('logits-limits', qwen2Config, hfWeights(qwen2Config, true, 15));
  const logits = (idList: string) => spawnSync('node', ['bin/zerosearch.js', 'logits', '--model', dir, '--ids', idList], { cwd: repoRoot, encoding: 'utf8' });
  const tooLong = logits(Array.from({ length: 129 }, () => '1').join(','));
  assert.equal(tooLong.status, 1);
  assert.match(tooLong.stderr, /--ids: 129 ids, but the model has 128 positions/);
  assert.match(logits('1,64').stderr, /--ids: id 64 is outside the vocabulary \(64 tokens: 0 to 63\)/);
});
