/**
 * The transformer's building blocks as plain functions on tensors: RMSNorm, rotary position embedding and
 * grouped-query causal attention (the SwiGLU MLP is three projections, see transformer.ts). They follow
 * Hugging Face's Qwen2 / LLaMA modelling code operation for operation, so weights trained there give the same numbers here.
 *
 * Activations travel as 2-D `[rows, features]` (rows = batch × time) wherever possible, because the wasm
 * backend's fast path (XNNPACK) is a plain 2-D matmul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { maskedAttention, rmsNorm as fusedRmsNorm, rotaryEmbedding } from '../tensor/ops';
import { NATIVE_BACKEND } from '../tensor/native-memory';
import type { Llama3RopeScaling } from './config';

/** Additive mask value for a forbidden key; finite, so a query with no allowed key gives a uniform (not NaN) row. */
export const MASKED = -1e9;

/** y = x / sqrt(mean(x²) + eps) * weight, over the last axis. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  return fusedRmsNorm(x, weight, eps); // one fused kernel on the native backend (src/tensor/ops.ts)
}

/** RoPE inverse frequencies 1 / theta^(2i/d), with LLaMA-3's long-context rescaling when configured. */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: Llama3RopeScaling | null): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  if (!scaling) return inv;
  // Same piecewise rule as transformers' `_compute_llama3_parameters`: long wavelengths are slowed by
  // `factor`, short ones kept, and the band between is interpolated smoothly.
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelen = originalMaxPositions / lowFreqFactor;
  const highFreqWavelen = originalMaxPositions / highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowFreqWavelen) inv[i] = inv[i] / factor;
    else if (wavelen >= highFreqWavelen) {
      const smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / factor) + smooth * inv[i];
    }
  }
  return inv;
}

/**
 * cos and sin tables `[rows, 1, headDim]` for the given positions (one per row of the flattened batch).
 * HF concatenates the frequencies with themselves (`emb = cat(freqs, freqs)`), which pairs dimension i
 * with i + d/2 — the "rotate half" layout.
 */
export function ropeTables(positions: ArrayLike<number>, invFreq: Float64Array): { cos: tf.Tensor3D; sin: tf.Tensor3D } {
  const half = invFreq.length;
  const dim = 2 * half;
  const cos = new Float32Array(positions.length * dim);
  const sin = new Float32Array(positions.length * dim);
  for (let r = 0; r < positions.length; r++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[r] * invFreq[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[r * dim + i] = c;
      cos[r * dim + half + i] = c;
      sin[r * dim + i] = s;
      sin[r * dim + half + i] = s;
    }
  }
  return { cos: tf.tensor3d(cos, [positions.length, 1, dim]), sin: tf.tensor3d(sin, [positions.length, 1, dim]) };
}

/** x·cos + rotate_half(x)·sin (HF's `rotate_half`: [x1, x2] → [-x2, x1]), x `[rows, heads, headDim]`, tables `[rows, 1, headDim]`. */
export function applyRope(x: tf.Tensor3D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor3D {
  return rotaryEmbedding(x, cos, sin);
}

/**
 * Scaled dot-product attention with grouped-query heads.
 *   q: [B, H, T, hd], k and v: [B, Hkv, S, hd], mask: additive, broadcastable to [B, 1, 1, T, S].
 * Instead of repeating each kv head H/Hkv times (HF's `repeat_kv`), the query heads that share a kv head
 * are stacked along the time axis — query head h uses kv head floor(h / (H/Hkv)), exactly as repeat_kv,
 * but without copying k and v. Returns [B, H, T, hd].
 */
export function groupedQueryAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  if (q.shape[2] <= FEW_QUERIES && tf.getBackend() !== NATIVE_BACKEND) return fewQueryAttention(q, k, v, mask);
  return maskedAttention(q, k, v, mask); // composed as described above, or one fused kernel on the native backend
}

/** Up to this many new positions per row, attention uses broadcast products instead of matmuls. */
export const FEW_QUERIES = 4;

/**
 * The same attention for decoding (a few queries per row): q·k and p·v as broadcast multiply-and-sum.
 * On wasm and cpu a batched matmul runs one small product per (row, head), each paying a fixed setup
 * cost (XNNPACK packs an operand per call) that dwarfs a 1×hd by hd×S product; elementwise kernels
 * over the whole batch have no such cost. Work is the same B·H·T·S·hd multiply-adds either way.
 */
function fewQueryAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, T, hd] = q.shape;
    const [, Hkv, S] = k.shape;
    const group = H / Hkv;
    const qGrouped = tf.reshape(q, [B, Hkv, group * T, 1, hd]);
    const scores = tf.mul(tf.sum(tf.mul(qGrouped, tf.expandDims(k, 2)), -1), 1 / Math.sqrt(hd)); // [B, Hkv, group·T, S]
    const masked = tf.add(tf.reshape(scores, [B, Hkv, group, T, S]), tf.reshape(mask, [mask.shape[0], 1, 1, T, S]));
    const probs = tf.reshape(tf.softmax(masked, -1), [B, Hkv, group * T, S, 1]);
    return tf.reshape(tf.sum(tf.mul(probs, tf.expandDims(v, 2)), 3), [B, H, T, hd]) as tf.Tensor4D;
  });
}

/** Additive attention mask [B, 1, 1, T, S]: 0 where `allowed(b, t, s)`, MASKED elsewhere. */
export function buildMask(B: number, T: number, S: number, allowed: (b: number, t: number, s: number) => boolean): tf.Tensor {
  const m = new Float32Array(B * T * S);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let s = 0; s < S; s++) {
        if (!allowed(b, t, s)) m[(b * T + t) * S + s] = MASKED;
      }
  return tf.tensor(m, [B, 1, 1, T, S]);
}
