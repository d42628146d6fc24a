/**
 * Hugging Face model directories ⇄ Transformer. A directory holds `config.json` plus either
 * `model.safetensors` or shards listed in `model.safetensors.index.json`. The kit writes its own models
 * the same way, so vLLM / sglang / transformers can serve a checkpoint trained here.
 *
 * Linear weights are `[out, in]` on disk and `[in, out]` in memory (see transformer.ts); they are
 * transposed here, one tensor at a time.
 *
 * Loading is strict, because a checkpoint that disagrees with its config.json otherwise loads "fine" and
 * computes nonsense: every tensor the config implies must be there with its shape, no tensor may be left
 * unexplained (a `num_hidden_layers` lower than the weights would silently drop layers), and NaN or infinite
 * weights are refused unless asked for. Errors name the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { readJson, writeJsonAtomic } from '../util';
import { Architecture, configFromHf, configToHf, ModelConfig } from './config';
import { SafetensorsDtype, SafetensorsFile, writeSafetensors } from './safetensors';
import { Transformer } from './transformer';
import { isLinearWeight, parameterShapes } from './parameters';

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** Which file holds each weight: the shard index's weight_map, or every tensor of model.safetensors. */
function weightLocations(dir: string): Map<string, string> {
  const indexPath = path.join(dir, INDEX);
  const singlePath = path.join(dir, SINGLE);
  if (fs.existsSync(indexPath)) {
    const index = readJson<{ weight_map?: Record<string, string> }>(indexPath);
    if (!index.weight_map || typeof index.weight_map !== 'object') {
      throw new Error(`${indexPath}: missing "weight_map" (expected {"weight_map": {tensor name: shard file}})`);
    }
    return new Map(Object.entries(index.weight_map).map(([name, file]) => [name, path.join(dir, file)]));
  }
  if (fs.existsSync(singlePath)) return new Map([['*', singlePath]]);
  throw new Error(`${dir}: no ${SINGLE} or ${INDEX} (expected Hugging Face safetensors weights)`);
}

/** The model config of an HF directory (config.json alone: no weights are read). */
export function loadHfConfig(dir: string): ModelConfig {
  const configPath = path.join(dir, 'config.json');
  if (!fs.existsSync(configPath)) {
    throw new Error(`${dir}: no config.json (expected a Hugging Face model directory with config.json and safetensors weights)`);
  }
  return configFromHf(readJson<Record<string, unknown>>(configPath), configPath);
}

/** Tensors a checkpoint may hold beyond the model's parameters: RoPE tables some exporters store, a tied head saved anyway. */
function explained(name: string, config: ModelConfig): boolean {
  return /\.rotary_emb\.inv_freq$/.test(name) || (name === 'lm_head.weight' && config.tieEmbeddings);
}

function checkNothingLeftOver(names: Iterable<string>, expected: Map<string, number[]>, config: ModelConfig, file: string, configPath: string): void {
  const extra = [...names].filter((n) => !expected.has(n) && !explained(n, config));
  if (extra.length === 0) return;
  throw new Error(
    `${file}: ${extra.length} tensor(s) that ${configPath} does not explain (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''}); ` +
      `does the config match these weights (num_hidden_layers = ${config.numLayers}, tie_word_embeddings = ${config.tieEmbeddings})?`,
  );
}

/** Throw unless every value is finite, naming the tensor, how many are not and the first one's index. */
function checkFinite(values: Float32Array, name: string, file: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    throw new Error(
      `${file}: tensor "${name}" holds ${bad} NaN or infinite value(s) (the first at flat index ${first}), which would make every output NaN; load with allowNonFinite (CLI: ZS_ALLOW_NON_FINITE=1) to inspect it anyway`,
    );
  }
}

export interface LoadOptions {
  /** Load weights that are NaN or infinite instead of refusing them (default: ZS_ALLOW_NON_FINITE=1, else false). */
  allowNonFinite?: boolean;
}

/** Load a local HF Qwen2ForCausalLM / LlamaForCausalLM directory (or a checkpoint saved by the kit). */
export function loadHfModel(dir: string, opts: LoadOptions = {}): Transformer {
  const configPath = path.join(dir, 'config.json');
  const config = loadHfConfig(dir);
  const allowNonFinite = opts.allowNonFinite ?? process.env.ZS_ALLOW_NON_FINITE === '1';
  const expected = parameterShapes(config);
  const locations = weightLocations(dir);
  if (!locations.has('*')) checkNothingLeftOver(locations.keys(), expected, config, path.join(dir, INDEX), configPath);
  const files = new Map<string, SafetensorsFile>();
  // Each file is checked for leftovers as it is opened, before any of its weights is read.
  const open = (file: string) => {
    if (!files.has(file)) {
      files.set(file, new SafetensorsFile(file));
      checkNothingLeftOver(files.get(file)!.tensors.keys(), expected, config, file, configPath);
    }
    return files.get(file)!;
  };
  const params = new Map<string, tf.Variable>();
  try {
    for (const [name, shape] of expected) {
      const want = hfShape(name, shape);
      const location = locations.get('*') ?? locations.get(name);
      if (!location) throw new Error(`${path.join(dir, INDEX)}: weight_map has no "${name}" (config.json implies it, shape [${want}])`);
      const file = open(location);
      const entry = file.tensors.get(name);
      if (!entry) throw new Error(`${file.file}: missing weight "${name}" (config.json implies it, shape [${want}])`);
      if (entry.shape.join(',') !== want.join(',')) {
        throw new Error(`${file.file}: tensor "${name}" has shape [${entry.shape}], expected [${want}] from ${configPath}`);
      }
      const values = file.readFloat32(name);
      if (!allowNonFinite) checkFinite(values, name, file.file);
      const value = tf.tidy(() => {
        const t = tf.tensor(values, want);
        return isLinearWeight(name) ? tf.transpose(t) : t;
      });
      params.set(name, tf.variable(value, true));
      value.dispose();
    }
  } catch (err) {
    for (const v of params.values()) v.dispose();
    throw err;
  } finally {
    for (const f of files.values()) f.close();
  }
  return new Transformer(config, params);
}

/** A checkpoint saved by `saveCheckpoint` is an HF directory, so loading it is `loadHfModel`. */
export const loadCheckpoint = loadHfModel;

export interface SaveOptions {
  /** HF architecture to declare; default qwen2 when the model has q/k/v biases, llama otherwise. */
  arch?: Architecture;
  /** Stored float type (default F32; BF16 halves the size, as HF checkpoints usually are). */
  dtype?: SafetensorsDtype;
  /** Extra string metadata for the safetensors header (`format: pt` is always set, as transformers expects). */
  metadata?: Record<string, string>;
}

/** Write `config.json` + `model.safetensors` in HF layout (weights first, so a config never lacks its weights). */
export function saveCheckpoint(model: Transformer, dir: string, opts: SaveOptions = {}): void {
  if (fs.existsSync(path.join(dir, INDEX))) {
    throw new Error(`${dir}: holds sharded weights (${INDEX}); save to another directory so old shards are not mixed with new weights`);
  }
  const arch = opts.arch ?? (model.config.qkvBias ? 'qwen2' : 'llama');
  const configJson = configToHf(model.config, arch);
  const tensors = [...model.params].map(([name, variable]) => ({
    name,
    shape: hfShape(name, variable.shape),
    data: () => {
      const t = isLinearWeight(name) ? tf.transpose(variable) : variable;
      const values = t.dataSync() as Float32Array;
      if (t !== variable) t.dispose();
      return values;
    },
  }));
  writeSafetensors(path.join(dir, SINGLE), tensors, { dtype: opts.dtype, metadata: { ...opts.metadata, format: 'pt' } });
  writeJsonAtomic(path.join(dir, 'config.json'), configJson);
}

function hfShape(name: string, shape: number[]): number[] {
  return isLinearWeight(name) ? [shape[1], shape[0]] : shape;
}
