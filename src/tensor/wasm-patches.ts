/**
 * Patches for tfjs's wasm backend (4.22), applied once when wasm is chosen.
 *
 * 1. `UnsortedSegmentSum` has no wasm kernel, yet `gather`'s gradient needs it (every embedding
 *    lookup). We register one that computes on the host: the op is memory-bound and rare (once per
 *    step per embedding), so a plain loop costs little.
 * 2. XNNPACK only accelerates plain 2-D products. A transposed operand (every matmul gradient:
 *    dA = dY·Bᵀ, dB = Aᵀ·dY) or a batch > 1 falls back to a naive loop at 1–3 GFLOP/s instead of
 *    ~22. We wrap `BatchMatMul` so transposes are materialised first (O(n²) copies, cheap next to
 *    the O(n³) product) and large batched products run as one plain 2-D product per batch slice.
 */
import * as tf from '@tensorflow/tfjs-core';

let patched = false;

/** Multiply-accumulates per 2-D slice above which batched products run slice by slice on XNNPACK. */
const SLICE_MIN_MACS = 1 << 20;

type KernelFunc = tf.KernelConfig['kernelFunc'];

function runKernel(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, backend: tf.KernelBackend) {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

function unsortedSegmentSum({ inputs, attrs, backend: anyBackend }: Parameters<KernelFunc>[0]): tf.TensorInfo {
  const backend = anyBackend as tf.KernelBackend;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const values = backend.readSync(x.dataId) as Float32Array;
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  const rowSize = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = new Float32Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue; // tf semantics: out-of-range ids are dropped
    const src = i * rowSize;
    const dst = seg * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j] += values[src + j];
  }
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const dataId = backend.write(out, shape, 'float32');
  return { dataId, shape, dtype: 'float32' };
}

export function applyWasmPatches(): void {
  if (patched) return;
  patched = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as KernelFunc });
  }
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) return;
  const plainMatMul = original.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
      const backend = anyBackend as tf.KernelBackend;
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const disposables: tf.TensorInfo[] = [];
      const wasm = backend as tf.KernelBackend & { disposeData(id: object): void };
      const transposeLast2 = (t: tf.TensorInfo) => {
        const perm = t.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const out = runKernel('Transpose', { x: t }, { perm }, backend);
        disposables.push(out);
        return out;
      };
      const A = transposeA ? transposeLast2(a) : a;
      const B = transposeB ? transposeLast2(b) : b;
      const plain = { transposeA: false, transposeB: false, bias: undefined, activation: 'linear' } as unknown as tf.NamedAttrMap;
      const matmul2d = (x: tf.TensorInfo, y: tf.TensorInfo) => plainMatMul({ inputs: { a: x, b: y }, attrs: plain, backend }) as tf.TensorInfo;
      const batchA = A.shape.slice(0, -2).reduce((p, q) => p * q, 1);
      const batchB = B.shape.slice(0, -2).reduce((p, q) => p * q, 1);
      let result: tf.TensorInfo;
      const [m, k] = A.shape.slice(-2);
      const n = B.shape[B.shape.length - 1];
      // One XNNPACK product per batch slice beats the naive batched loop 3–7x for large slices, but each
      // call pays a fixed set-up, so many small slices (attention over short sequences, decoding) stay
      // on the batched loop. The threshold was measured on this kit's attention and MLP shapes.
      if (batchA === batchB && batchA > 1 && A.shape.length === B.shape.length && m * k * n >= SLICE_MIN_MACS) {
        const a3 = runKernel('Reshape', { x: A }, { shape: [batchA, m, k] }, backend);
        const b3 = runKernel('Reshape', { x: B }, { shape: [batchB, k, n] }, backend);
        disposables.push(a3, b3);
        const slices: tf.TensorInfo[] = [];
        for (let i = 0; i < batchA; i++) {
          const ai = runKernel('Slice', { x: a3 }, { begin: [i, 0, 0], size: [1, m, k] }, backend);
          const bi = runKernel('Slice', { x: b3 }, { begin: [i, 0, 0], size: [1, k, n] }, backend);
          const ai2 = runKernel('Reshape', { x: ai }, { shape: [m, k] }, backend);
          const bi2 = runKernel('Reshape', { x: bi }, { shape: [k, n] }, backend);
          const ci = matmul2d(ai2, bi2);
          const ci3 = runKernel('Reshape', { x: ci }, { shape: [1, m, n] }, backend);
          disposables.push(ai, bi, ai2, bi2, ci, ci3);
          slices.push(ci3);
        }
        const joined = runKernel('Concat', slices as unknown as tf.NamedTensorInfoMap, { axis: 0 }, backend);
        disposables.push(joined);
        result = runKernel('Reshape', { x: joined }, { shape: [...A.shape.slice(0, -2), m, n] }, backend);
      } else {
        result = matmul2d(A, B);
      }
      for (const d of disposables) wasm.disposeData(d.dataId);
      return result;
    },
  });
}
