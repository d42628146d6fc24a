/**
 * A decoder-only transformer shaped like Qwen2 / LLaMA: token embedding → N × decoder layer (./decoder-layer:
 * RMSNorm → grouped-query attention with RoPE → residual → RMSNorm → SwiGLU MLP → residual) → RMSNorm → lm_head.
 *
 * Parameters live in a `Map<string, tf.Variable>` keyed by Hugging Face weight names, so checkpoints map
 * one to one. One layout difference, for speed: every linear weight is stored `[in, out]` (./parameters), so each
 * projection is a plain 2-D matmul `x·W` on `[B*T, d]` activations — the only matmul the wasm backend's XNNPACK
 * path accelerates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util';
import { ModelConfig, ModelConfigInput, modelConfig } from './config';
import { softmaxCrossEntropy } from '../tensor/ops';
import { KvCache, appendPlan, appendSlots } from './kv-cache';
import { DEFAULT_HEAD_CHUNK_ELEMENTS, HeadWeight, chunkedHeadStats } from './chunked-head';
import { buildMask, groupedQueryAttention, rmsNorm, ropeInverseFrequencies, ropeTables } from './layers';
import { Attend, LayerWeights, PassContext, decoderLayer } from './decoder-layer';
import { parameterShapes } from './parameters';
import { causalAttention } from './chunked-attention';
import { recompute } from './recompute';

/** A model with freshly initialised weights: normal(0, 0.02) matrices, unit norms, zero biases; same seed ⇒ same weights. */
export function createModel(configInput: ModelConfigInput, seed: number): Transformer {
  const config = modelConfig(configInput);
  const rng = new Rng(seed);
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (name.endsWith('norm.weight')) values.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < size; i++) values[i] = 0.02 * rng.normal();
    const initial = tf.tensor(values, shape);
    params.set(name, tf.variable(initial, true)); // the variable keeps the data; drop the temporary handle
    initial.dispose();
  }
  return new Transformer(config, params);
}

/**
 * A model with its own copy of `model`'s weights, trainable or frozen. The temporary clone is freed at once: a
 * clone left alive would keep each original buffer after the copy's first update (one more copy of the model).
 */
export function cloneModel(model: Transformer, trainable: boolean): Transformer {
  const params = new Map<string, tf.Variable>();
  for (const [name, v] of model.params)
    params.set(
      name,
      tf.tidy(() => tf.variable(v.clone(), trainable)),
    );
  return new Transformer(model.config, params);
}

/** How a training pass keeps its activations (the trainer's settings of the same names). */
export interface MemoryOptions {
  /**
   * Under a gradient tape, keep only each decoder layer's input and recompute the layer in the backward pass
   * (./recompute): one layer's activations at a time instead of all of them, for ~1/3 more compute. Default false.
   */
  activationCheckpointing?: boolean;
  /**
   * Attention `attentionChunk` queries at a time with a recomputing gradient (./chunked-attention), so one chunk's
   * [rows × heads × chunk × keys] scores exist at a time; 0 = all queries at once. Default 0.
   */
  attentionChunk?: number;
}

/** Options for per-token statistics on ragged batches. */
export interface TokenStatsOptions extends MemoryOptions {
  /** Id used to right-pad shorter rows (default 0); padded positions never influence real ones (causal attention). */
  padId?: number;
  /** Real length per row when `ids` is already padded; by default each row's array length. */
  lengths?: number[];
  /** Also return per-position entropy of the predictive distribution (nats). */
  entropy?: boolean;
  /**
   * Past this many logits (positions × vocabulary) the head runs in chunks of at most this many, with a
   * recomputing gradient (./chunked-head), so the full logits tensor never exists. Default 2^24.
   */
  chunkElements?: number;
}

export class Transformer {
  private readonly invFreq: Float64Array;

  constructor(
    readonly config: ModelConfig,
    readonly params: Map<string, tf.Variable>,
  ) {
    for (const [name, shape] of parameterShapes(config)) {
      const p = params.get(name);
      if (!p) throw new Error(`Transformer: missing parameter ${name} (expected shape [${shape}])`);
      if (p.shape.join(',') !== shape.join(',')) {
        throw new Error(`Transformer: parameter ${name} has shape [${p.shape}], expected [${shape}]`);
      }
    }
    this.invFreq = ropeInverseFrequencies(config.headDim, config.ropeTheta, config.ropeScaling);
  }

  /** Variables an optimizer should update (LoRA freezes the base by marking it non-trainable). */
  trainableVariables(): tf.Variable[] {
    return [...this.params.values()].filter((v) => v.trainable);
  }

  numParameters(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /**
   * Logits `[B, T, V]` for a rectangular batch. Without a mask, attention is plain causal and positions are
   * 0..T-1. With `attentionMask` (1 = real token, 0 = padding; left or right padding), padded keys are
   * never attended to and a token's position counts only the real tokens before it, as in HF. Memory options
   * need plain causal attention (no `attentionMask`).
   */
  forward(ids: number[][] | tf.Tensor2D, opts: { attentionMask?: number[][] } & MemoryOptions = {}): tf.Tensor3D {
    const rows = Array.isArray(ids) ? ids : (ids.arraySync() as number[][]);
    const [B, T] = [rows.length, rows[0]?.length ?? 0];
    this.checkIds(rows, 'forward', true);
    const am = opts.attentionMask;
    if (am && (am.length !== B || am.some((r) => r.length !== T))) {
      throw new Error(`forward: attentionMask must have the shape of ids [${B}, ${T}]`);
    }
    if (am && (opts.activationCheckpointing || opts.attentionChunk))
      throw new Error('forward: activationCheckpointing and attentionChunk need no attentionMask');
    const positions = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      let seen = 0;
      for (let t = 0; t < T; t++) {
        const real = !am || am[b][t] === 1;
        positions[b * T + t] = real ? seen : 0;
        if (real) seen++;
      }
    }
    return tf.tidy(() => {
      const mask = am && buildMask(B, T, T, (b, t, s) => s <= t && am[b][s] === 1);
      const attend: Attend = mask ? (q, k, v) => groupedQueryAttention(q, k, v, mask) : this.causalAttend(T, opts);
      const { hidden } = this.run(rows.flat(), positions, B, T, attend, null, opts.activationCheckpointing ?? false);
      return tf.reshape(this.logitsFromHidden(hidden), [B, T, this.config.vocabSize]) as tf.Tensor3D;
    });
  }

  /**
   * log p(ids[b][t+1] | ids[b][0..t]) as `[B, T-1]` (T = longest row), plus entropy `[B, T-1]` on request.
   * Rows may have different lengths: they are right-padded with `padId`, and positions past a row's end
   * (t + 1 >= length) hold 0. Differentiable with respect to the model's variables.
   */
  tokenStats(ids: number[][], opts: TokenStatsOptions = {}): { logProbs: tf.Tensor2D; entropy?: tf.Tensor2D } {
    const lengths = opts.lengths ?? ids.map((r) => r.length);
    if (lengths.length !== ids.length) throw new Error(`tokenStats: lengths has ${lengths.length} entries for ${ids.length} rows`);
    const T = Math.max(...ids.map((r) => r.length));
    if (ids.length === 0 || T < 2) throw new Error('tokenStats: need at least one row with 2 or more tokens');
    const rows = ids.map((r) => [...r, ...new Array<number>(T - r.length).fill(opts.padId ?? 0)]);
    this.checkIds(rows, 'tokenStats', true);
    const B = rows.length;
    const N = B * (T - 1);
    const V = this.config.vocabSize;
    const targets = new Int32Array(N);
    const targetIndex = new Int32Array(N);
    const valid = new Float32Array(N);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        targets[b * (T - 1) + t] = rows[b][t + 1];
        targetIndex[b * (T - 1) + t] = (b * (T - 1) + t) * V + rows[b][t + 1];
        valid[b * (T - 1) + t] = t + 1 < lengths[b] ? 1 : 0;
      }
    }
    const positions = Int32Array.from({ length: B * T }, (_, i) => i % T);
    return tf.tidy(() => {
      const { hidden } = this.run(rows.flat(), positions, B, T, this.causalAttend(T, opts), null, opts.activationCheckpointing ?? false);
      // Drop each row's last position: it predicts nothing inside the batch.
      const d = this.config.hiddenSize;
      const h = tf.reshape(tf.slice(tf.reshape(hidden, [B, T, d]), [0, 0, 0], [B, T - 1, d]), [N, d]) as tf.Tensor2D;
      const validMask = tf.tensor1d(valid);
      const limit = opts.chunkElements ?? DEFAULT_HEAD_CHUNK_ELEMENTS;
      const head = this.headWeight();
      if (head && N * V > limit) {
        const hn = rmsNorm(h, this.param('model.norm.weight'), this.config.rmsNormEps) as tf.Tensor2D;
        const both = chunkedHeadStats(hn, head, targets, Math.max(1, Math.floor(limit / V)));
        const column = (c: number) => tf.reshape(tf.mul(tf.reshape(tf.slice(both, [0, c], [N, 1]), [N]), validMask), [B, T - 1]) as tf.Tensor2D;
        return opts.entropy ? { logProbs: column(0), entropy: column(1) } : { logProbs: column(0) };
      }
      const logits = this.logitsFromHidden(h);
      if (!opts.entropy) {
        // log p(target) = −cross-entropy: one fused kernel on the native backend (src/tensor/ops.ts).
        const picked = tf.neg(softmaxCrossEntropy(logits, tf.tensor1d(targets, 'int32')));
        return { logProbs: tf.reshape(tf.mul(picked, validMask), [B, T - 1]) as tf.Tensor2D };
      }
      const logp = tf.logSoftmax(logits);
      const picked = tf.gather(tf.reshape(logp, [-1]), tf.tensor1d(targetIndex, 'int32'));
      const logProbs = tf.reshape(tf.mul(picked, validMask), [B, T - 1]) as tf.Tensor2D;
      const ent = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1));
      return { logProbs, entropy: tf.reshape(tf.mul(ent, validMask), [B, T - 1]) as tf.Tensor2D };
    });
  }

  /** Shorthand for `tokenStats(ids, opts).logProbs`. */
  tokenLogProbs(ids: number[][], opts: Omit<TokenStatsOptions, 'entropy'> = {}): tf.Tensor2D {
    return this.tokenStats(ids, opts).logProbs;
  }

  /**
   * Mean cross-entropy over the tokens marked by `lossMask` (aligned with `ids`: lossMask[b][t] = 1 makes
   * token t a target, predicted from tokens 0..t-1; lossMask[b][0] is ignored). Rows may be ragged.
   */
  lossOnTargets(ids: number[][], lossMask: number[][]): tf.Scalar {
    if (lossMask.length !== ids.length || lossMask.some((m, b) => m.length !== ids[b].length)) {
      throw new Error('lossOnTargets: lossMask must have the same shape as ids (one flag per token)');
    }
    const T = Math.max(...ids.map((r) => r.length));
    const weights = new Float32Array(ids.length * (T - 1));
    let count = 0;
    lossMask.forEach((m, b) =>
      m.forEach((flag, t) => {
        if (t > 0 && flag) {
          weights[b * (T - 1) + t - 1] = 1;
          count++;
        }
      }),
    );
    if (count === 0) throw new Error('lossOnTargets: lossMask selects no target token');
    return tf.tidy(() => {
      const logProbs = this.tokenLogProbs(ids);
      return tf.div(tf.neg(tf.sum(tf.mul(logProbs, tf.tensor2d(weights, logProbs.shape)))), count) as tf.Scalar;
    });
  }

  /** An empty KV cache for `batchSize` rows; fill it with `extend`. */
  newCache(batchSize: number): KvCache {
    return new KvCache(batchSize);
  }

  /**
   * Append one chunk of tokens per row to the cache and return logits `[B, V]` after each row's last new
   * token (the caller owns the tensor). Chunks may differ in length, including 0 (the row keeps its previous
   * logits). The same call serves prefill, one-token decoding, and inserting documents into some rows.
   */
  extend(cache: KvCache, chunks: number[][]): tf.Tensor2D {
    cache.assertLive();
    const B = cache.batchSize;
    if (chunks.length !== B) throw new Error(`extend: got ${chunks.length} chunks for a cache of ${B} rows`);
    this.checkIds(chunks, 'extend', false);
    const C = Math.max(...chunks.map((c) => c.length));
    if (C === 0) {
      if (!cache.lastLogits) throw new Error('extend: every chunk is empty and the cache holds no logits yet');
      return cache.lastLogits.clone();
    }
    const before = cache.lengths.slice();
    const plan = appendPlan(
      before,
      chunks.map((c) => c.length),
      cache.numSlots,
      C,
      this.config.numKvHeads,
    );
    const ids: number[] = [];
    const positions = new Int32Array(B * C);
    const lastIndex = new Int32Array(B);
    const hasNew = new Float32Array(B);
    chunks.forEach((chunk, b) => {
      for (let i = 0; i < C; i++) {
        ids.push(i < chunk.length ? chunk[i] : 0);
        positions[b * C + i] = before[b] + i; // padding tokens get a position too; their outputs are never used
      }
      lastIndex[b] = b * C + Math.max(0, chunk.length - 1);
      hasNew[b] = chunk.length > 0 ? 1 : 0;
    });
    const out = tf.tidy(() => {
      // New token i of row b sits in slot before[b] + i and sees the row's slots up to itself (packed cache).
      const mask = buildMask(B, C, plan.width, (b, i, s) => s <= before[b] + i);
      const grow = { width: plan.width, index: plan.index && tf.tensor1d(plan.index, 'int32') };
      const past = cache.keys.length ? { keys: cache.keys, values: cache.values } : null;
      const { hidden, keys, values } = this.run(
        ids,
        positions,
        B,
        C,
        (q, k, v) => groupedQueryAttention(q, k, v, mask),
        (l, k, v) => ({
          k: appendSlots(past && past.keys[l], k, grow),
          v: appendSlots(past && past.values[l], v, grow),
        }),
      );
      const fresh = this.logitsFromHidden(tf.gather(hidden, tf.tensor1d(lastIndex, 'int32')) as tf.Tensor2D);
      const previous = cache.lastLogits ?? tf.zerosLike(fresh);
      const logits = tf.where(tf.cast(tf.reshape(tf.tensor1d(hasNew), [B, 1]), 'bool'), fresh, previous) as tf.Tensor2D;
      return { logits, keys, values };
    });
    cache.update(out.keys, out.values, out.logits.clone());
    chunks.forEach((chunk, b) => {
      cache.lengths[b] += chunk.length;
    });
    return out.logits;
  }

  /** Free the model's variables. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }

  // ---- internals -------------------------------------------------------------------------------------

  private param<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const p = this.params.get(name);
    if (!p) throw new Error(`Transformer: no parameter ${name}`);
    return p as unknown as tf.Tensor<R>;
  }

  /** x·W (+ b) with W stored [in, out]. The single place every projection goes through. */
  protected linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const y = tf.matMul(x, this.param<tf.Rank.R2>(`${name}.weight`)) as tf.Tensor2D;
    const bias = this.params.get(`${name}.bias`);
    return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
  }

  /**
   * Run the embedding and all blocks on B rows of T new tokens (flattened, row-major). `positions` are the
   * RoPE positions of the new tokens. `withPast(layer, k, v)` turns the new tokens' keys/values into the
   * layer's full ones (the cache grown by these tokens; without it they are just the new ones), which `attend`
   * reads. Returns the final hidden states [B*T, d] (before the last norm) and each layer's full keys/values.
   * With `checkpoint` (training passes, no cache) each layer is recomputed in the backward pass and no keys/values are returned.
   */
  private run(
    ids: number[],
    positions: Int32Array,
    B: number,
    T: number,
    attend: Attend,
    withPast: PassContext['withPast'],
    checkpoint = false,
  ): { hidden: tf.Tensor2D; keys: tf.Tensor4D[]; values: tf.Tensor4D[] } {
    const { cos, sin } = ropeTables(positions, this.invFreq);
    const weights: LayerWeights = { param: <R extends tf.Rank>(name: string) => this.param<R>(name), linear: (h, name) => this.linear(h, name) };
    let x = tf.gather(this.param<tf.Rank.R2>('model.embed_tokens.weight'), tf.tensor1d(ids, 'int32')) as tf.Tensor2D;
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    for (let l = 0; l < this.config.numLayers; l++) {
      if (checkpoint) {
        const next = recompute(
          ([xIn], [c, s]) =>
            decoderLayer(this.config, l, xIn as tf.Tensor2D, { B, T, cos: c as tf.Tensor3D, sin: s as tf.Tensor3D, attend, withPast: null }, weights).x,
          [x],
          this.layerVariables(l),
          [cos, sin],
        ) as tf.Tensor2D;
        x.dispose();
        x = next;
        continue;
      }
      // One scope per layer: a pass without a gradient tape keeps one layer's intermediates, not every layer's
      // (with a tape, what the backward pass reads is kept by the tape anyway).
      const layer = tf.tidy(() => decoderLayer(this.config, l, x, { B, T, cos, sin, attend, withPast }, weights));
      x.dispose();
      x = layer.x;
      keys.push(layer.k);
      values.push(layer.v);
    }
    return { hidden: x, keys, values };
  }

  /**
   * Causal attention over T tokens from position 0. Recomputed layers must not read a mask made outside them (it is
   * freed before the backward pass), so with memory options causal attention makes its own, chunk by chunk.
   */
  private causalAttend(T: number, opts: MemoryOptions): Attend {
    const chunk = opts.attentionChunk ?? 0;
    if (opts.activationCheckpointing || chunk > 0) return (q, k, v) => causalAttention(q, k, v, chunk);
    const mask = buildMask(1, T, T, (_, t, s) => s <= t);
    return (q, k, v) => groupedQueryAttention(q, k, v, mask);
  }

  /** The trainable variables layer `l` reads: what its recomputing gradient differentiates (activation checkpointing). */
  protected layerVariables(l: number): tf.Variable[] {
    const prefix = `model.layers.${l}.`;
    return [...this.params].filter(([name, v]) => v.trainable && name.startsWith(prefix)).map(([, v]) => v);
  }

  /** The output projection as the chunked head takes it; null when the head is not a plain matrix (an adapter on it). */
  protected headWeight(): HeadWeight | null {
    if (this.config.tieEmbeddings) return { w: this.param<tf.Rank.R2>('model.embed_tokens.weight'), transposed: true };
    return { w: this.param<tf.Rank.R2>('lm_head.weight'), transposed: false };
  }

  /** Final RMSNorm and lm_head (the embedding matrix, transposed, when tied): [N, d] → [N, V]. */
  private logitsFromHidden(hidden: tf.Tensor2D): tf.Tensor2D {
    const h = rmsNorm(hidden, this.param('model.norm.weight'), this.config.rmsNormEps) as tf.Tensor2D;
    if (this.config.tieEmbeddings) return tf.matMul(h, this.param<tf.Rank.R2>('model.embed_tokens.weight'), false, true);
    return this.linear(h, 'lm_head');
  }

  private checkIds(rows: number[][], where: string, rectangular: boolean): void {
    const V = this.config.vocabSize;
    rows.forEach((row, b) => {
      if (!Array.isArray(row)) throw new Error(`${where}: row ${b} is not an array of token ids`);
      if (rectangular && row.length !== rows[0].length) {
        throw new Error(`${where}: row ${b} has ${row.length} tokens, row 0 has ${rows[0].length} (expected equal lengths)`);
      }
      row.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`${where}: token id ${id} at [${b}][${t}] is outside the vocabulary [0, ${V})`);
      });
    });
  }
}
