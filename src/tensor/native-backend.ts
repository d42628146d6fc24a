/**
 * The 'native' tfjs backend: tfjs-backend-cpu's NativeBackendCPU (tensors are plain JS TypedArrays)
 * with the hot kernels replaced by C++ ones from the N-API addon (OpenBLAS sgemm for matmuls,
 * vectorised loops for elementwise ops, reductions, softmax, transpose, gather). Every cpu kernel
 * is registered for 'native' too, so any op the addon does not cover still runs (in JavaScript).
 * A native kernel that meets a case it does not handle (int32 maths, exotic broadcasts) hands
 * it to the cpu kernel of the same name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BINARY_OPS, NativeAddon, REDUCE_OPS, UNARY_OPS, loadNativeAddon } from './native-addon';
import { registerFusedKernels } from './native-fused-kernels';
import { NATIVE_BACKEND, NativeBackendCPU, floatValues, valuesOf } from './native-memory';

type Info = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, Info>; attrs: tf.NamedAttrMap };

/** float32 → Float32Array, int32 → Int32Array (for kernels that only move 4-byte words). */
function wordValues(backend: NativeBackendCPU, t: Info): Float32Array | Int32Array {
  if (t.dtype === 'float32') return floatValues(backend, t);
  const values = valuesOf(backend, t);
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The cpu kernel of that name, made safe for pooled buffers (see NativeBackendCPU.unshareOutputs). */
function cpuFallback(name: string): tf.KernelFunc {
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) throw new Error(`tfjs-backend-cpu has no ${name} kernel to fall back on`);
  const run = kernel.kernelFunc;
  return (args) => {
    const out = run(args) as tf.TensorInfo | tf.TensorInfo[];
    (args.backend as NativeBackendCPU).unshareOutputs(out, args.inputs);
    return out;
  };
}

function register(name: string, impl: (args: KernelArgs, b: NativeBackendCPU) => Info | null): void {
  const fallback = cpuFallback(name);
  tf.registerKernel({
    kernelName: name,
    backendName: NATIVE_BACKEND,
    kernelFunc: (args) => impl(args as unknown as KernelArgs, args.backend as NativeBackendCPU) ?? fallback(args),
  });
}

function matMul(addon: NativeAddon, b: NativeBackendCPU, A: Info, B: Info, transA: boolean, transB: boolean): Info | null {
  if (A.dtype !== 'float32' || B.dtype !== 'float32') return null;
  const ra = A.shape.length,
    rb = B.shape.length;
  const m = transA ? A.shape[ra - 1] : A.shape[ra - 2];
  const k = transA ? A.shape[ra - 2] : A.shape[ra - 1];
  const kB = transB ? B.shape[rb - 1] : B.shape[rb - 2];
  const n = transB ? B.shape[rb - 2] : B.shape[rb - 1];
  if (k !== kB) return null; // let the cpu kernel raise its shape error
  const aBatchShape = A.shape.slice(0, -2),
    bBatchShape = B.shape.slice(0, -2);
  const aBatch = size(aBatchShape),
    bBatch = size(bBatchShape);
  // Batches must match or one side must be a single matrix; other broadcasts go to the cpu kernel.
  const sameBatch = aBatch === bBatch && aBatchShape.length === bBatchShape.length;
  if (!sameBatch && aBatch !== 1 && bBatch !== 1) return null;
  const batchShape = aBatchShape.length >= bBatchShape.length ? aBatchShape : bBatchShape;
  if (!sameBatch && size(batchShape) !== Math.max(aBatch, bBatch)) return null;
  const batch = Math.max(aBatch, bBatch);
  const out = b.allocFloat32(batch * m * n);
  addon.matmul(floatValues(b, A), floatValues(b, B), out, batch, aBatch, bBatch, m, n, k, transA, transB);
  return b.makeTensorInfo([...batchShape, m, n], 'float32', out);
}

function binary(addon: NativeAddon, b: NativeBackendCPU, op: number, A: Info, B: Info): Info | null {
  if (A.dtype !== 'float32' || B.dtype !== 'float32') return null;
  const shape = tf.backend_util.assertAndGetBroadcastShape(A.shape, B.shape);
  const n = size(shape);
  const out = b.allocFloat32(n);
  addon.binary(op, floatValues(b, A), A.shape, floatValues(b, B), B.shape, out, n);
  return b.makeTensorInfo(shape, 'float32', out);
}

/** Axes as one contiguous block → [outer, r, inner]; null when they are not contiguous. */
function reductionView(shape: number[], axes: number[]): [number, number, number] | null {
  const sorted = [...axes].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  if (sorted.length === 0) return [size(shape), 1, 1];
  const first = sorted[0],
    last = sorted[sorted.length - 1];
  return [size(shape.slice(0, first)), size(shape.slice(first, last + 1)), size(shape.slice(last + 1))];
}

function registerPrimitiveKernels(addon: NativeAddon): void {
  register('BatchMatMul', ({ inputs, attrs }, b) => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    return matMul(addon, b, inputs.a, inputs.b, transposeA, transposeB);
  });
  register('_FusedMatMul', ({ inputs, attrs }, b) => {
    const { transposeA, transposeB, activation } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: string };
    if (activation !== 'linear' || inputs.preluActivationWeights) return null;
    const product = matMul(addon, b, inputs.a, inputs.b, transposeA, transposeB);
    if (!product || !inputs.bias) return product;
    const withBias = binary(addon, b, BINARY_OPS.Add, product, inputs.bias);
    if (withBias) b.disposeIntermediateTensorInfo(product);
    return withBias;
  });
  for (const [name, op] of Object.entries(BINARY_OPS)) {
    register(name, ({ inputs }, b) => binary(addon, b, op, inputs.a, inputs.b));
  }
  for (const [name, op] of Object.entries(UNARY_OPS)) {
    register(name, ({ inputs }, b) => {
      const x = inputs.x;
      if (x.dtype !== 'float32') return null;
      const out = b.allocFloat32(size(x.shape));
      addon.unary(op, floatValues(b, x), out);
      return b.makeTensorInfo(x.shape, 'float32', out);
    });
  }
  for (const [name, op] of Object.entries(REDUCE_OPS)) {
    register(name, ({ inputs, attrs }, b) => {
      const x = inputs.x;
      if (x.dtype !== 'float32') return null;
      // tfjs names Max's axes `reductionIndices`; Sum, Mean and Min call them `axis`.
      const { axis, reductionIndices, keepDims } = attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam((name === 'Max' ? reductionIndices : axis) as number[], x.shape); // null: all axes
      const view = reductionView(x.shape, axes);
      if (!view || view[1] === 0) return null;
      const out = b.allocFloat32(view[0] * view[2]);
      addon.reduce(op, floatValues(b, x), out, view[0], view[1], view[2]);
      const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return b.makeTensorInfo(shape, 'float32', out);
    });
  }
  register('Softmax', ({ inputs, attrs }, b) => {
    const x = inputs.logits;
    const dim = (attrs as unknown as { dim: number }).dim;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || (dim !== -1 && dim !== rank - 1) || rank === 0) return null;
    const cols = x.shape[rank - 1];
    const out = b.allocFloat32(size(x.shape));
    addon.softmax(floatValues(b, x), out, size(x.shape) / Math.max(cols, 1), cols);
    return b.makeTensorInfo(x.shape, 'float32', out);
  });
  register('Transpose', ({ inputs, attrs }, b) => {
    const x = inputs.x;
    const perm = (attrs as unknown as { perm: number[] }).perm;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return null;
    const values = wordValues(b, x);
    const out = x.dtype === 'float32' ? b.allocFloat32(values.length) : new Int32Array(values.length);
    addon.transpose(values, out, x.shape, perm);
    return b.makeTensorInfo(
      perm.map((p) => x.shape[p]),
      x.dtype,
      out,
    );
  });
  register('GatherV2', ({ inputs, attrs }, b) => {
    const { x, indices } = inputs;
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32' || batchDims !== 0) return null;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const outer = size(x.shape.slice(0, ax)),
      axisDim = x.shape[ax],
      inner = size(x.shape.slice(ax + 1));
    const idx = wordValues(b, indices) as Int32Array;
    const out = x.dtype === 'float32' ? b.allocFloat32(outer * idx.length * inner) : new Int32Array(outer * idx.length * inner);
    const bad = addon.gather(wordValues(b, x), idx, out, outer, axisDim, inner);
    if (bad >= 0) throw new Error(`GatherV2: the index value ${idx[bad]} is not in [0, ${axisDim - 1}]`);
    return b.makeTensorInfo([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype, out);
  });
  register('UnsortedSegmentSum', ({ inputs, attrs }, b) => {
    const { x, segmentIds } = inputs;
    const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
    if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return null;
    const rowShape = x.shape.slice(segmentIds.shape.length);
    const out = b.allocFloat32(numSegments * size(rowShape));
    addon.segmentSum(floatValues(b, x), wordValues(b, segmentIds) as Int32Array, out, size(rowShape), numSegments);
    return b.makeTensorInfo([numSegments, ...rowShape], 'float32', out);
  });
}

const WORD_TYPES = ['float32', 'int32'];

function allocWord(b: NativeBackendCPU, dtype: tf.DataType, n: number): Float32Array | Int32Array {
  return dtype === 'float32' ? b.allocFloat32(n) : new Int32Array(n);
}

function sliceInfo(addon: NativeAddon, b: NativeBackendCPU, x: Info, begin: number[], sizes: number[]): Info {
  const out = allocWord(b, x.dtype, size(sizes));
  addon.slice(wordValues(b, x), out, x.shape, begin, sizes);
  return b.makeTensorInfo(sizes, x.dtype, out);
}

/** Slice, SplitV, PadV2 (slice's gradient) and Concat: pure data movement, memcpy per contiguous run. */
function registerLayoutKernels(addon: NativeAddon): void {
  register('Slice', ({ inputs, attrs }, b) => {
    const x = inputs.x;
    if (!WORD_TYPES.includes(x.dtype) || x.shape.length === 0) return null;
    const { begin, size: sz } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, sz);
    tf.slice_util.assertParamsValid(x as tf.Tensor, begin_, size_);
    return sliceInfo(addon, b, x, begin_, size_);
  });
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: NATIVE_BACKEND,
    kernelFunc: (args) => {
      const b = args.backend as NativeBackendCPU;
      const x = args.inputs.x as Info;
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      if (!WORD_TYPES.includes(x.dtype)) return cpuFallback('SplitV')(args);
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const splits = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      const begin = x.shape.map(() => 0);
      return splits.map((s) => {
        const sizes = [...x.shape];
        sizes[ax] = s;
        const out = sliceInfo(addon, b, x, [...begin], sizes);
        begin[ax] += s;
        return out;
      });
    },
  });
  register('PadV2', ({ inputs, attrs }, b) => {
    const x = inputs.x;
    if (!WORD_TYPES.includes(x.dtype) || x.shape.length === 0) return null;
    const { paddings, constantValue } = attrs as unknown as { paddings: Array<[number, number]>; constantValue: number };
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const bits = x.dtype === 'float32' ? new Uint32Array(new Float32Array([constantValue]).buffer)[0] : constantValue >>> 0;
    const out = allocWord(b, x.dtype, size(outShape));
    addon.pad(
      wordValues(b, x),
      out,
      x.shape,
      paddings.map((p) => p[0]),
      outShape,
      bits,
    );
    return b.makeTensorInfo(outShape, x.dtype, out);
  });
  register('Concat', ({ inputs, attrs }, b) => {
    const all = Object.values(inputs);
    const dtype = all[0]?.dtype;
    if (!dtype || !WORD_TYPES.includes(dtype) || all.some((t) => t.dtype !== dtype) || all[0].shape.length === 0) return null;
    const ax = tf.util.parseAxisParam((attrs as unknown as { axis: number }).axis, all[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(
      all.map((t) => t.shape),
      ax,
    );
    const parts = all.filter((t) => size(t.shape) > 0);
    const outer = size(outShape.slice(0, ax));
    const out = allocWord(b, dtype, size(outShape));
    if (parts.length > 0) {
      addon.concat(
        parts.map((t) => wordValues(b, t)),
        parts.map((t) => size(t.shape.slice(ax))),
        out,
        outer,
      );
    }
    return b.makeTensorInfo(outShape, dtype, out);
  });
}

/**
 * Tile with whole-block copies (TypedArray.set / fill) instead of tfjs-cpu's per-element loop; it
 * runs on every decoding step (tf.where broadcasts its condition with it). Any non-string dtype.
 */
function registerTile(): void {
  register('Tile', ({ inputs, attrs }, b) => {
    const x = inputs.x;
    const reps = (attrs as unknown as { reps: number[] }).reps;
    if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return null;
    let values = valuesOf(b, x) as Float32Array | Int32Array | Uint8Array;
    const shape = [...x.shape];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const r = reps[axis];
      if (r === 1) continue;
      const block = size(shape.slice(axis)),
        outer = size(shape.slice(0, axis));
      const out = new (values.constructor as Float32ArrayConstructor)(outer * block * r);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < r; k++) {
          const at = (o * r + k) * block;
          if (block === 1) {
            out.fill(values[o], at, at + r);
            break;
          }
          out.set(values.subarray(o * block, (o + 1) * block), at);
        }
      }
      values = out;
      shape[axis] *= r;
    }
    return b.makeTensorInfo(shape, x.dtype, values === valuesOf(b, x) ? values.slice() : values);
  });
}

let registered = false;

/**
 * Register the 'native' backend and its kernels; returns the tfjs backend name. Throws when the
 * addon is not built. `ZS_NATIVE_THREADS` sets OpenBLAS's thread count (default 1: on small
 * models a second thread costs more in hand-offs than it brings, see bench/).
 */
export function registerNativeBackend(): string {
  if (registered) return NATIVE_BACKEND;
  const addon = loadNativeAddon();
  const threads = Number(process.env.ZS_NATIVE_THREADS ?? 1);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`ZS_NATIVE_THREADS='${process.env.ZS_NATIVE_THREADS}' must be a positive integer`);
  addon.setThreads(threads);
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackendCPU(), 1);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...kernel, backendName: NATIVE_BACKEND, kernelFunc: cpuFallback(kernel.kernelName) });
  }
  for (const name of [
    ...Object.keys(BINARY_OPS),
    ...Object.keys(UNARY_OPS),
    ...Object.keys(REDUCE_OPS),
    'BatchMatMul',
    '_FusedMatMul',
    'Softmax',
    'Transpose',
    'GatherV2',
    'UnsortedSegmentSum',
    'Slice',
    'SplitV',
    'PadV2',
    'Concat',
    'Tile',
  ]) {
    tf.unregisterKernel(name, NATIVE_BACKEND);
  }
  registerPrimitiveKernels(addon);
  registerLayoutKernels(addon);
  registerTile();
  registerFusedKernels(addon);
  registered = true;
  return NATIVE_BACKEND;
}

/** OpenBLAS threads used by the native backend (for benchmark reports). */
export function nativeThreads(): number {
  return loadNativeAddon().getThreads();
}
