/**
 * Key/value cache with per-row lengths, filled by `Transformer.extend`.
 *
 * The cache is a rectangle of "slots" `[batch, kvHeads, slots, headDim]` per layer. Every `extend` call
 * appends the same number of slots to every row (the longest chunk), so rows that received a shorter chunk
 * — or none — get padding slots that are marked invalid and never attended to. A row's token positions
 * (for RoPE) count only its valid slots, so a row looks to the model exactly as if it had been run alone.
 * Keys are stored after RoPE, so past keys never need rotating again.
 */
import * as tf from '@tensorflow/tfjs-core';

export class KvCache {
  /** Per layer: keys and values `[batch, kvHeads, slots, headDim]`; empty until the first extend. */
  keys: tf.Tensor4D[] = [];
  values: tf.Tensor4D[] = [];
  /** valid[row][slot]: whether the slot holds one of the row's tokens (false for padding). */
  valid: boolean[][];
  /** Number of valid tokens per row = the RoPE position of the row's next token. */
  lengths: number[];
  /** Logits `[batch, vocab]` after each row's latest token (kept for rows that get an empty chunk). */
  lastLogits: tf.Tensor2D | null = null;
  private disposed = false;

  constructor(readonly batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`KvCache: batchSize must be a positive integer, got ${batchSize}`);
    this.valid = Array.from({ length: batchSize }, () => []);
    this.lengths = new Array<number>(batchSize).fill(0);
  }

  /** Slots per row (valid or padding). */
  get numSlots(): number {
    return this.valid[0].length;
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
    const index = tf.tensor1d(rows, 'int32');
    const pick = <T extends tf.Tensor>(t: T): T => tf.gather(t, index, 0) as T;
    const keys = this.keys.map(pick);
    const values = this.values.map(pick);
    const lastLogits = this.lastLogits && pick(this.lastLogits);
    index.dispose();
    this.disposeTensors();
    this.keys = keys;
    this.values = values;
    this.lastLogits = lastLogits;
    this.valid = rows.map((r) => this.valid[r].slice());
    this.lengths = rows.map((r) => this.lengths[r]);
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
