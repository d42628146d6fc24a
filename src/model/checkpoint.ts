/**
 * Hugging Face model directories ⇄ Transformer. A directory holds `config.json` plus either
 * `model.safetensors` or shards listed in `model.safetensors.index.json`. The kit writes its own models
 * the same way, so vLLM / sglang / transformers can serve a checkpoint trained here.
 *
 * Linear weights are `[out, in]` on disk and `[in, out]` in memory (see transformer.ts); they are
 * transposed here, one tensor at a time.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { readJson, writeJsonAtomic } from '../util';
import { Architecture, configFromHf, configToHf } from './config';
import { SafetensorsDtype, SafetensorsFile, writeSafetensors } from './safetensors';
import { Transformer, isLinearWeight, parameterShapes } from './transformer';

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

/** Load a local HF Qwen2ForCausalLM / LlamaForCausalLM directory (or a checkpoint saved by the kit). */
export function loadHfModel(dir: string): Transformer {
  const configPath = path.join(dir, 'config.json');
  if (!fs.existsSync(configPath)) {
    throw new Error(`${dir}: no config.json (expected a Hugging Face model directory with config.json and safetensors weights)`);
  }
  const config = configFromHf(readJson<Record<string, unknown>>(configPath), configPath);
  const locations = weightLocations(dir);
  const files = new Map<string, SafetensorsFile>();
  const open = (file: string) => {
    if (!files.has(file)) files.set(file, new SafetensorsFile(file));
    return files.get(file)!;
  };
  const params = new Map<string, tf.Variable>();
  try {
    for (const [name, shape] of parameterShapes(config)) {
      const expected = hfShape(name, shape);
      const location = locations.get('*') ?? locations.get(name);
      if (!location) throw new Error(`${path.join(dir, INDEX)}: weight_map has no "${name}" (config.json implies it, shape [${expected}])`);
      const file = open(location);
      const entry = file.tensors.get(name);
      if (!entry) throw new Error(`${file.file}: missing weight "${name}" (config.json implies it, shape [${expected}])`);
      if (entry.shape.join(',') !== expected.join(',')) {
        throw new Error(`${file.file}: tensor "${name}" has shape [${entry.shape}], expected [${expected}] from ${configPath}`);
      }
      const value = tf.tidy(() => {
        const t = tf.tensor(file.readFloat32(name), expected);
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
