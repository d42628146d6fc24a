/**
 * One decoder layer of the transformer (./transformer): RMSNorm → grouped-query attention with RoPE → residual →
 * RMSNorm → SwiGLU MLP → residual, on flattened [B*T, d] activations. A plain function of its input and weights,
 * so a pass can run it in a scope of its own or recompute it in the backward pass (activation checkpointing).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { swiglu } from '../tensor/ops';
import { applyRope, rmsNorm } from './layers';

/** Attention of one layer: q [B, H, T, hd] and the layer's full k, v [B, Hkv, S, hd] → [B, H, T, hd]. */
export type Attend = (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor4D;

/** What every layer of one pass shares: the batch shape, the RoPE tables, how it attends, and the KV cache hook. */
export interface PassContext {
  B: number;
  T: number;
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
  attend: Attend;
  withPast: ((layer: number, k: tf.Tensor4D, v: tf.Tensor4D) => { k: tf.Tensor4D; v: tf.Tensor4D }) | null;
}

/** The weights a layer reads, through the model (a LoRA model adds its adapters in `linear`). */
export interface LayerWeights {
  param<R extends tf.Rank>(name: string): tf.Tensor<R>;
  /** x·W (+ b) for the projection `name` (W stored [in, out]). */
  linear(x: tf.Tensor2D, name: string): tf.Tensor2D;
}

/** Decoder layer `l` on x [B*T, d]: attention with RoPE, then the SwiGLU MLP, each with its residual. */
export function decoderLayer(
  config: ModelConfig,
  l: number,
  x: tf.Tensor2D,
  c: PassContext,
  w: LayerWeights,
): { x: tf.Tensor2D; k: tf.Tensor4D; v: tf.Tensor4D } {
  const { numHeads: H, numKvHeads: Hkv, headDim: hd, rmsNormEps: eps } = config;
  const { B, T } = c;
  const p = `model.layers.${l}`;
  // [B*T, heads*hd] → [B, heads, T, hd], rotating first when asked.
  const toHeads = (y: tf.Tensor2D, heads: number, rotate: boolean) => {
    let h = tf.reshape(y, [B * T, heads, hd]) as tf.Tensor3D;
    if (rotate) h = applyRope(h, c.cos, c.sin);
    return tf.transpose(tf.reshape(h, [B, T, heads, hd]), [0, 2, 1, 3]) as tf.Tensor4D;
  };
  const h = rmsNorm(x, w.param(`${p}.input_layernorm.weight`), eps) as tf.Tensor2D;
  const q = toHeads(w.linear(h, `${p}.self_attn.q_proj`), H, true);
  let k = toHeads(w.linear(h, `${p}.self_attn.k_proj`), Hkv, true);
  let v = toHeads(w.linear(h, `${p}.self_attn.v_proj`), Hkv, false);
  if (c.withPast) ({ k, v } = c.withPast(l, k, v));
  const attn = tf.reshape(tf.transpose(c.attend(q, k, v), [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
  const x1 = tf.add(x, w.linear(attn, `${p}.self_attn.o_proj`));
  const h2 = rmsNorm(x1, w.param(`${p}.post_attention_layernorm.weight`), eps) as tf.Tensor2D;
  const gated = swiglu(w.linear(h2, `${p}.mlp.gate_proj`), w.linear(h2, `${p}.mlp.up_proj`)) as tf.Tensor2D;
  return { x: tf.add(x1, w.linear(gated, `${p}.mlp.down_proj`)) as tf.Tensor2D, k, v };
}
