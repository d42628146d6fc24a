/**
 * LoRA adapters (Hu et al. 2021) on the kit's transformer, so the same SFT code fine-tunes a real
 * Qwen2.5 checkpoint on a GPU: each targeted projection W (stored [in, out]) becomes
 *   y = x·W + (alpha / rank) · (x·A)·B,   A: [in, rank] (small random), B: [rank, out] (zeros),
 * so an untrained adapter leaves the model's outputs exactly as they were. The base weights are shared
 * with the wrapped model and frozen; only A and B train. `mergeLora` folds the adapters into a plain
 * Transformer (save it with `saveCheckpoint`: a standard HF directory vLLM / sglang can serve), and
 * `saveLoraAdapter` writes a PEFT-style adapter (adapter_config.json + adapter_model.safetensors).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, readJson, writeJsonAtomic } from '../util';
import { SafetensorsFile, writeSafetensors } from './safetensors';
import { Transformer } from './transformer';
import { isLinearWeight } from './parameters';
import type { HeadWeight } from './chunked-head';

export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Projection names to adapt, matched against the end of each linear layer's name (PEFT's target_modules). */
  targetModules: string[];
  seed?: number;
}

export const DEFAULT_LORA: LoraConfig = { rank: 8, alpha: 16, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };

/**
 * The layers `targetModules` adapts, with their [in, out] sizes, in the model's parameter order: one rule for
 * the model and for memory plans made from a config alone (`shapes` as `parameterShapes` gives them).
 */
export function adaptedLayers(
  shapes: Map<string, { shape: number[] } | number[]>,
  targetModules: readonly string[],
): Array<{ layer: string; inDim: number; outDim: number }> {
  return [...shapes].flatMap(([name, s]) => {
    const layer = name.slice(0, -'.weight'.length);
    if (!isLinearWeight(name) || !targetModules.some((m) => layer.endsWith(m))) return [];
    const [inDim, outDim] = Array.isArray(s) ? s : s.shape;
    return [{ layer, inDim, outDim }];
  });
}

interface Adapter {
  a: tf.Variable;
  b: tf.Variable;
}

export class LoraTransformer extends Transformer {
  /** Keyed by layer name without `.weight`, e.g. `model.layers.0.self_attn.q_proj`. */
  readonly adapters = new Map<string, Adapter>();
  readonly scale: number;

  constructor(
    readonly base: Transformer,
    readonly lora: LoraConfig,
  ) {
    super(base.config, base.params);
    if (!Number.isInteger(lora.rank) || lora.rank < 1) throw new Error(`LoRA: rank must be a positive integer, got ${lora.rank}`);
    if (!(lora.alpha > 0)) throw new Error(`LoRA: alpha must be positive, got ${lora.alpha}`);
    this.scale = lora.alpha / lora.rank;
    const rng = new Rng(lora.seed ?? 0);
    for (const weight of base.params.values()) weight.trainable = false;
    for (const { layer, inDim, outDim } of adaptedLayers(base.params, lora.targetModules)) {
      // PEFT's default: A ~ kaiming-uniform (a = sqrt 5), i.e. U(-1/sqrt(in), 1/sqrt(in)); B = 0.
      const bound = 1 / Math.sqrt(inDim);
      const a = Float32Array.from({ length: inDim * lora.rank }, () => (2 * rng.next() - 1) * bound);
      // Built in a scope, so the initial tensors do not outlive the variables' first update.
      this.adapters.set(
        layer,
        tf.tidy(() => ({
          a: tf.variable(tf.tensor2d(a, [inDim, lora.rank]), true),
          b: tf.variable(tf.zeros([lora.rank, outDim]), true),
        })),
      );
    }
    if (this.adapters.size === 0) {
      throw new Error(`LoRA: targetModules ${JSON.stringify(lora.targetModules)} match no linear layer (e.g. q_proj, v_proj, gate_proj)`);
    }
  }

  override trainableVariables(): tf.Variable[] {
    return [...this.adapters.values()].flatMap(({ a, b }) => [a, b]);
  }

  protected override layerVariables(l: number): tf.Variable[] {
    const prefix = `model.layers.${l}.`;
    const adapters = [...this.adapters].filter(([layer]) => layer.startsWith(prefix)).flatMap(([, { a, b }]) => [a, b]);
    return [...super.layerVariables(l), ...adapters];
  }

  protected override headWeight(): HeadWeight | null {
    return this.adapters.has('lm_head') ? null : super.headWeight();
  }

  protected override linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const y = super.linear(x, name);
    const adapter = this.adapters.get(name);
    if (!adapter) return y;
    return tf.add(y, tf.mul(tf.matMul(tf.matMul(x, adapter.a), adapter.b), this.scale));
  }

  /** Free the adapters (the base model's weights belong to `base`). */
  override dispose(): void {
    for (const { a, b } of this.adapters.values()) {
      a.dispose();
      b.dispose();
    }
  }
}

/** A new plain Transformer with W + scale·A·B in every adapted layer (the base model is left untouched). */
export function mergeLora(model: LoraTransformer): Transformer {
  const params = new Map<string, tf.Variable>();
  for (const [name, weight] of model.base.params) {
    const adapter = model.adapters.get(name.slice(0, -'.weight'.length));
    const merged = tf.tidy(() => (adapter ? tf.add(weight, tf.mul(tf.matMul(adapter.a, adapter.b), model.scale)) : weight.clone()));
    params.set(name, tf.variable(merged, true));
    merged.dispose();
  }
  return new Transformer(model.config, params);
}

/** PEFT layout: `adapter_config.json` and `adapter_model.safetensors` (lora_A [rank, in], lora_B [out, rank]). */
export function saveLoraAdapter(model: LoraTransformer, dir: string, baseModel = ''): void {
  const tensors = [...model.adapters].flatMap(([layer, { a, b }]) => [
    {
      name: `base_model.model.${layer}.lora_A.weight`,
      shape: [a.shape[1], a.shape[0]] as number[],
      data: () => tf.tidy(() => tf.transpose(a).dataSync() as Float32Array),
    },
    {
      name: `base_model.model.${layer}.lora_B.weight`,
      shape: [b.shape[1], b.shape[0]] as number[],
      data: () => tf.tidy(() => tf.transpose(b).dataSync() as Float32Array),
    },
  ]);
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors, { metadata: { format: 'pt' } });
  writeJsonAtomic(path.join(dir, 'adapter_config.json'), {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: model.lora.rank,
    lora_alpha: model.lora.alpha,
    lora_dropout: 0,
    bias: 'none',
    fan_in_fan_out: false,
    target_modules: model.lora.targetModules,
  });
}

/**
 * Read a PEFT adapter written by `saveLoraAdapter` into `model`'s adapters (exact f32 round trip: how an RL
 * run's checkpoint restores them). The rank, alpha and adapted layers must match the model's.
 */
export function loadLoraAdapter(model: LoraTransformer, dir: string): void {
  const cfgFile = path.join(dir, 'adapter_config.json');
  const cfg = readJson<{ r?: number; lora_alpha?: number }>(cfgFile);
  if (cfg.r !== model.lora.rank || cfg.lora_alpha !== model.lora.alpha) {
    throw new Error(`${cfgFile}: adapter has r ${cfg.r}, lora_alpha ${cfg.lora_alpha}; the model has rank ${model.lora.rank}, alpha ${model.lora.alpha}`);
  }
  const f = new SafetensorsFile(path.join(dir, 'adapter_model.safetensors'));
  try {
    for (const [layer, { a, b }] of model.adapters) {
      for (const [v, part] of [
        [a, 'lora_A'],
        [b, 'lora_B'],
      ] as const) {
        const name = `base_model.model.${layer}.${part}.weight`;
        const entry = f.tensors.get(name);
        const [rows, cols] = v.shape as [number, number];
        if (!entry || entry.shape.join() !== [cols, rows].join()) throw new Error(`${f.file}: "${name}" missing or not of shape [${cols}, ${rows}]`);
        tf.tidy(() => v.assign(tf.transpose(tf.tensor2d(f.readFloat32(name), [cols, rows]))));
      }
    }
  } finally {
    f.close();
  }
}
