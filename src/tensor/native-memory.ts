/**
 * Memory for the 'native' backend: MathBackendCPU plus a pool of recycled float32 buffers.
 *
 * Why: tfjs-cpu gives every op output a fresh TypedArray and only the garbage collector frees it.
 * Fresh memory costs page faults on first touch (an 8 MB output took 2.6 ms to allocate against
 * 0.3 ms to compute an add into it) and pushes V8 into frequent full GCs. Here a disposed
 * tensor's buffer goes back to a pool and the next op of the same size reuses it.
 *
 * Safety: only buffers the pool handed out are recycled, and one must never be reachable after
 * its tensor is disposed. Two ways it could be, both closed here: `dataSync()`/`data()` return a
 * copy of a pooled buffer, and cpu kernels that return views into their input (contiguous Slice,
 * Split, ...) get their output copied (see `unshareOutputs`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** Upper bound on bytes parked in the pool; beyond it disposed buffers are left to the GC. */
const POOL_BYTES = 1 << 30;

export class NativeBackendCPU extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private readonly pooled = new WeakSet<ArrayBufferLike>();
  private pooledBytes = 0;

  /** A float32 buffer of `n` elements with arbitrary contents: the caller must overwrite all of it. */
  allocFloat32(n: number): Float32Array {
    const free = this.pool.get(n);
    const reused = free?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      return reused;
    }
    const fresh = new Float32Array(n);
    this.pooled.add(fresh.buffer);
    return fresh;
  }

  isPooled(values: unknown): boolean {
    return ArrayBuffer.isView(values) && this.pooled.has(values.buffer);
  }

  override disposeData(dataId: object, force = false): boolean {
    const entry = this.data.get(dataId);
    const values = entry?.values;
    const released = super.disposeData(dataId, force);
    if (released && values instanceof Float32Array && this.pooled.has(values.buffer)
      && values.byteOffset === 0 && values.length * 4 === values.buffer.byteLength
      && this.pooledBytes + values.byteLength <= POOL_BYTES) {
      const list = this.pool.get(values.length) ?? [];
      list.push(values);
      this.pool.set(values.length, list);
      this.pooledBytes += values.byteLength;
    }
    return released;
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    return this.isPooled(values) ? (values as Float32Array).slice() : values;
  }

  override read(dataId: object): Promise<tf.backend_util.BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }

  /**
   * After a cpu kernel ran: an output that is a view into a pooled input buffer under a different
   * dataId would outlive that buffer's recycling, so give it its own copy.
   */
  unshareOutputs(outputs: tf.TensorInfo | tf.TensorInfo[], inputs: tf.NamedTensorInfoMap): void {
    const outs = Array.isArray(outputs) ? outputs : [outputs];
    for (const out of outs) {
      const entry = this.data.get(out.dataId);
      const values = entry?.values;
      if (!entry || !this.isPooled(values)) continue;
      for (const input of Object.values(inputs)) {
        if (!input || input.dataId === out.dataId) continue;
        const inValues = this.data.get(input.dataId)?.values;
        if (ArrayBuffer.isView(inValues) && inValues.buffer === (values as Float32Array).buffer) {
          entry.values = (values as Float32Array).slice();
          break;
        }
      }
    }
  }
}
