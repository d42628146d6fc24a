/**
 * Key/value cache with per-row lengths, filled by `Transformer.extend`.
 *
 * The cache is a rectangle `[batch, kvHeads, slots, headDim]` per layer, *packed* per row: row b's tokens
 * sit in slots 0 .. lengths[b]-1, in order, and slot s holds the token at RoPE position s. Slots past a
 * row's length are padding, never attended to. When rows receive chunks of different lengths, each row's
 * new tokens are written right after its own tokens (a gather, see `appendPlan`), so the rectangle is only
 * as wide as the longest row. (Appending the same number of slots to every row would be simpler, but in RL
 * rollouts rows insert documents at different steps, and every insertion would widen *all* rows by the
 * longest document, making attention cost and memory grow with the number of insertions.)
 * Keys are stored after RoPE, so past keys never need rotating again.
 */
import * as tf from '@tensorflow/tfjs-core';

export class KvCache {
  /** Per layer: keys and values `[batch, kvHeads, slots, headDim]`; empty until the first extend. */
  keys: tf.Tensor4D[] = [];
  values: tf.Tensor4D[] = [];
  /** Tokens per row = the row's occupied slots = the RoPE position of the row's next token. */
  lengths: number[];
  /** Logits `[batch, vocab]` after each row's latest token (kept for rows that get an empty chunk). */
  lastLogits: tf.Tensor2D | null = null;
  private disposed = false;

  constructor(readonly batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`KvCache: batchSize must be a positive integer, got ${batchSize}`);
    this.lengths = new Array<number>(batchSize).fill(0);
  }

  /** Width of the rectangle (slots per row, occupied or padding). */
  get numSlots(): number {
    return this.keys.length ? this.keys[0].shape[2] : 0;
  }

  /** Replace the stored tensors (after an extend), disposing the old ones. */
  update(keys: tf.Tensor4D[], values: tf.Tensor4D[], lastLogits: tf.Tensor2D): void {
    this.assertLive();
    this.disposeTensors();
    this.keys = keys;
    this.values = values;
    this.lastLogits = lastLogits;
  }

  /**
   * Keep only the given rows, in the given order (e.g. drop finished sequences during generation so they
   * stop costing compute). Returns this cache, now with `rows.length` rows.
   */
  selectRows(rows: number[]): this {
    this.assertLive();
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batchSize) throw new Error(`KvCache.selectRows: row ${r} out of range [0, ${this.batchSize})`);
    }
    if (rows.length === 0) throw new Error('KvCache.selectRows: keep at least one row (dispose the cache instead)');
    const lengths = rows.map((r) => this.lengths[r]);
    // Drop the slots that only removed rows used.
    const width = Math.max(...lengths);
    const narrower = width > 0 && width < this.numSlots;
    const index = tf.tensor1d(rows, 'int32');
    const pickKv = (t: tf.Tensor4D) =>
      tf.tidy(() => {
        const picked = tf.gather(t, index, 0) as tf.Tensor4D;
        return narrower ? (tf.slice(picked, [0, 0, 0, 0], [-1, -1, width, -1]) as tf.Tensor4D) : picked;
      });
    const keys = this.keys.map(pickKv);
    const values = this.values.map(pickKv);
    const lastLogits = this.lastLogits && (tf.gather(this.lastLogits, index, 0) as tf.Tensor2D);
    index.dispose();
    this.disposeTensors();
    this.keys = keys;
    this.values = values;
    this.lastLogits = lastLogits;
    this.lengths = lengths;
    (this as { batchSize: number }).batchSize = rows.length;
    return this;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposeTensors();
    this.disposed = true;
  }

  assertLive(): void {
    if (this.disposed) throw new Error('KvCache: used after dispose()');
  }

  private disposeTensors(): void {
    for (const t of this.keys) t.dispose();
    for (const t of this.values) t.dispose();
    this.lastLogits?.dispose();
    this.keys = [];
    this.values = [];
    this.lastLogits = null;
  }
}

/**
 * Where each slot of the grown cache comes from when row b appends `chunkLengths[b]` tokens after its
 * `lengths[b]` tokens. The old cache `[B, Hkv, pastSlots, hd]` and the chunk's keys `[B, Hkv, chunkSlots, hd]`
 * are flattened to rows of hd and stacked (old first); `index` lists, for every (row, head, slot) of the new
 * `[B, Hkv, width, hd]` cache, the stacked row to copy (padding slots copy row 0: finite, never attended).
 * `index` is null when every row has the same length and chunk length, i.e. a plain concatenation.
 */
export function appendPlan(
  lengths: number[],
  chunkLengths: number[],
  pastSlots: number,
  chunkSlots: number,
  kvHeads: number,
): { width: number; index: Int32Array | null } {
  const B = lengths.length;
  const uniform = lengths.every((n) => n === pastSlots) && chunkLengths.every((n) => n === chunkSlots);
  if (uniform) return { width: pastSlots + chunkSlots, index: null };
  const width = Math.max(...lengths.map((n, b) => n + chunkLengths[b]));
  const index = new Int32Array(B * kvHeads * width);
  const chunkBase = B * kvHeads * pastSlots;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < kvHeads; h++) {
      const row = b * kvHeads + h;
      for (let s = 0; s < width; s++) {
        const fresh = s - lengths[b];
        index[row * width + s] = fresh < 0 ? row * pastSlots + s : fresh < chunkLengths[b] ? chunkBase + row * chunkSlots + fresh : 0;
      }
    }
  }
  return { width, index };
}

/** The grown cache tensor for one layer, following an `appendPlan` (its index uploaded once per extend). */
export function appendSlots(past: tf.Tensor4D | null, fresh: tf.Tensor4D, plan: { width: number; index: tf.Tensor1D | null }): tf.Tensor4D {
  if (!plan.index) return past ? tf.concat([past, fresh], 2) : fresh;
  const [B, Hkv, , hd] = fresh.shape;
  const flatFresh = tf.reshape(fresh, [-1, hd]);
  const stacked = past ? tf.concat([tf.reshape(past, [-1, hd]), flatFresh], 0) : flatFresh;
  return tf.reshape(tf.gather(stacked, plan.index), [B, Hkv, plan.width, hd]) as tf.Tensor4D;
}
