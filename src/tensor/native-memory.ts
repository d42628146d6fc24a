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

/**
 * Pool size classes: exact below 1024 elements, else the next of 2^k·{1, 1.25, 1.5, 1.75} (at most
 * 25% slack), so a tensor that grows by a row per step (a KV cache) still finds a recycled buffer.
 */
function capacityFor(n: number): number {
  if (n <= 1024) return n;
  const base = 2 ** Math.floor(Math.log2(n));
  for (const f of [1, 1.25, 1.5, 1.75]) if (base * f >= n) return base * f;
  return base * 2;
}

export class NativeBackendCPU extends MathBackendCPU {
  /** Free buffers by capacity in elements. */
  private readonly pool = new Map<number, ArrayBuffer[]>();
  private readonly pooled = new WeakSet<ArrayBufferLike>();
  private pooledBytes = 0;

  constructor() {
    super();
    // MathBackendCPU's first write prints "install tfjs-node to speed things up": not advice for this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 array of `n` elements with arbitrary contents: the caller must overwrite all of it. */
  allocFloat32(n: number): Float32Array {
    const capacity = capacityFor(n);
    const reused = this.pool.get(capacity)?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      return new Float32Array(reused, 0, n);
    }
    const fresh = new ArrayBuffer(capacity * 4);
    this.pooled.add(fresh);
    return new Float32Array(fresh, 0, n);
  }

  isPooled(values: unknown): boolean {
    return ArrayBuffer.isView(values) && this.pooled.has(values.buffer);
  }

  override disposeData(dataId: object, force = false): boolean {
    const entry = this.data.get(dataId);
    const values = entry?.values;
    const released = super.disposeData(dataId, force);
    if (
      released &&
      values instanceof Float32Array &&
      values.byteOffset === 0 &&
      this.pooled.has(values.buffer) &&
      this.pooledBytes + values.buffer.byteLength <= POOL_BYTES
    ) {
      const buffer = values.buffer as ArrayBuffer;
      const capacity = buffer.byteLength / 4;
      const list = this.pool.get(capacity) ?? [];
      list.push(buffer);
      this.pool.set(capacity, list);
      this.pooledBytes += buffer.byteLength;
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

/** The backend name the native addon registers under. */
export const NATIVE_BACKEND = 'native';

/** Values of a tensor held by the (cpu-derived) backend, zero-copy. */
export function valuesOf(backend: NativeBackendCPU, t: tf.TensorInfo): tf.backend_util.BackendValues {
  return backend.data.get(t.dataId).values as tf.backend_util.BackendValues;
}

/**
 * A float32 tensor's values as a Float32Array. tfjs-cpu's Cast to float32 from int32 or bool keeps
 * the source array (Int32Array / Uint8Array) under the new dtype, so those are converted here.
 */
export function floatValues(backend: NativeBackendCPU, t: tf.TensorInfo): Float32Array {
  const values = valuesOf(backend, t);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}
