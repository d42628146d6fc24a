/**
 * `zerosearch bench --config M1|M2|<json>`: training and generation throughput of the kit's own
 * transformer on the current tensor backend, with a per-kernel time breakdown (tf.profile).
 * Prints one JSON line and saves it to results/bench/<config>-<backend>.json. The shapes live in
 * bench/configs.json, shared with the PyTorch twin (bench/torch_bench.py); bench/compare.ts runs
 * both side by side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { AdamW } from '../model/adamw';
import { createModel, generate, Transformer } from '../model';
import { Rng, writeJsonAtomic } from '../util';

export interface BenchConfig {
  vocab: number;
  d_model: number;
  layers: number;
  heads: number;
  kv_heads: number;
  ffn: number;
  seq: number;
  batch: number;
  gen_batch: number;
  gen_prompt: number;
  gen_new_tokens: number;
  min_seconds: number;
  warmup: number;
}

const CONFIG_FILE = path.join(__dirname, '..', '..', 'bench', 'configs.json');
const KEYS: Array<keyof BenchConfig> = [
  'vocab',
  'd_model',
  'layers',
  'heads',
  'kv_heads',
  'ffn',
  'seq',
  'batch',
  'gen_batch',
  'gen_prompt',
  'gen_new_tokens',
  'min_seconds',
  'warmup',
];

/** A preset name from bench/configs.json, or a JSON object overriding M1's fields. */
export function benchConfig(spec: string): { name: string; config: BenchConfig } {
  const presets = JSON.parse(fs.readFileSync(CONFIG_FILE, 'utf8')) as Record<string, BenchConfig>;
  if (presets[spec]) return { name: spec, config: presets[spec] };
  let custom: Record<string, unknown>;
  try {
    custom = JSON.parse(spec);
  } catch {
    throw new Error(`--config: '${spec}' is neither a preset (${Object.keys(presets).join(', ')}) nor a JSON object`);
  }
  for (const key of Object.keys(custom)) {
    if (!KEYS.includes(key as keyof BenchConfig)) throw new Error(`--config: unknown field '${key}' (expected ${KEYS.join(', ')})`);
    if (typeof custom[key] !== 'number') throw new Error(`--config: field '${key}' must be a number`);
  }
  return { name: 'custom', config: { ...presets.M1, ...(custom as Partial<BenchConfig>) } };
}

function randomBatch(rng: Rng, rows: number, cols: number, vocab: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(vocab)));
}

/** Kernel name → total ms, largest first, for the kernels `f` runs. */
async function kernelBreakdown(f: () => tf.TensorContainer): Promise<{ total_ms: number; kernels: Record<string, number> }> {
  const info = await tf.profile(() => {
    const out = f();
    tf.dispose(out);
    return [];
  });
  const byName = new Map<string, number>();
  // customGrad wrappers appear as 'unnamed scope' and contain the fused kernels they call: skip them.
  for (const k of info.kernels) {
    if (k.name !== 'unnamed scope') byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  }
  const sorted = [...byName.entries()].sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((s, [, ms]) => s + ms, 0);
  return { total_ms: +total.toFixed(2), kernels: Object.fromEntries(sorted.slice(0, 15).map(([n, ms]) => [n, +ms.toFixed(2)])) };
}

export async function runBench(spec: string, opts: { profile?: boolean } = {}): Promise<Record<string, unknown>> {
  const { name, config: c } = benchConfig(spec);
  const backend = await initBackend();
  const model: Transformer = createModel(
    {
      vocabSize: c.vocab,
      hiddenSize: c.d_model,
      numLayers: c.layers,
      numHeads: c.heads,
      numKvHeads: c.kv_heads,
      intermediateSize: c.ffn,
      qkvBias: false,
      tieEmbeddings: false,
      maxPositions: Math.max(c.seq, c.gen_prompt + c.gen_new_tokens),
    },
    0,
  );
  const rng = new Rng(1);
  // The kit's optimiser with λ = 0 is Adam, as in the PyTorch side; one fused kernel per variable on 'native'.
  const vars = model.trainableVariables();
  const optimizer = new AdamW(vars);
  const lossMask = randomBatch(rng, c.batch, c.seq, 1).map((row) => row.map(() => 1));
  const step = () => {
    const ids = randomBatch(rng, c.batch, c.seq, c.vocab);
    const { value, grads } = tf.variableGrads(() => model.lossOnTargets(ids, lossMask), vars);
    optimizer.apply(
      vars.map((v) => grads[v.name]),
      1e-3,
    );
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  };
  for (let i = 0; i < c.warmup; i++) step();
  const tensorsBefore = tf.memory().numTensors;
  let steps = 0;
  let t0 = performance.now();
  while (steps < 3 || performance.now() - t0 < c.min_seconds * 1000) {
    step();
    steps++;
  }
  const trainMs = (performance.now() - t0) / steps;
  const leaked = tf.memory().numTensors - tensorsBefore;

  const gen = () => generate(model, randomBatch(rng, c.gen_batch, c.gen_prompt, c.vocab), { maxNewTokens: c.gen_new_tokens, temperature: 0 });
  gen();
  let reps = 0;
  t0 = performance.now();
  while (reps < 2 || performance.now() - t0 < (c.min_seconds * 1000) / 2) {
    gen();
    reps++;
  }
  const genMs = (performance.now() - t0) / reps;

  const result: Record<string, unknown> = {
    config: name,
    backend: backend.choice,
    threads: backend.choice === 'native' ? require('../tensor/native-backend').nativeThreads() : 1,
    params: model.numParameters(),
    train_step_ms: +trainMs.toFixed(2),
    train_tokens_per_s: Math.round((c.batch * c.seq) / (trainMs / 1000)),
    generate_tokens_per_s: Math.round((c.gen_batch * c.gen_new_tokens) / (genMs / 1000)),
    leaked_tensors_per_run: leaked,
    shape: c,
  };
  if (opts.profile !== false) {
    // The fused Adam update runs outside tfjs kernels on 'native', so it is not in this breakdown.
    result.train_kernels_ms = await kernelBreakdown(() => {
      step();
      return [];
    });
    // One decoding step of the full batch with a warm cache (prompt + half the new tokens).
    const cache = model.newCache(c.gen_batch);
    tf.dispose(model.extend(cache, randomBatch(rng, c.gen_batch, c.gen_prompt + c.gen_new_tokens / 2, c.vocab)));
    result.decode_step_kernels_ms = await kernelBreakdown(() => model.extend(cache, randomBatch(rng, c.gen_batch, 1, c.vocab)));
    cache.dispose();
  }
  optimizer.dispose();
  model.dispose();
  return result;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('training and KV-cache generation throughput on the current tensor backend (ZS_BACKEND to choose)')
    .option('--config <name|json>', 'M1, M2 (bench/configs.json) or a JSON object of fields overriding M1', 'M1')
    .option('--no-profile', 'skip the per-kernel breakdown')
    .option('--out <dir>', 'where to save the JSON result', 'results/bench')
    .action(async (opts: { config: string; profile: boolean; out: string }) => {
      const result = await runBench(opts.config, { profile: opts.profile });
      writeJsonAtomic(path.join(opts.out, `${result.config}-${result.backend}.json`), { ...result, date: new Date().toISOString() });
      process.stdout.write(JSON.stringify(result) + '\n');
    });
}
