/**
 * Replacements for two tfjs-backend-webgpu 4.22 kernels, for what the kit needs of them:
 * - AddN binds every input as a storage buffer of one shader, so summing more tensors than the device allows
 *   per shader stage (8 by default; a gradient norm sums one tensor per parameter) fails validation.
 * - UnsortedSegmentSum (the gradient of `gather`, so of every embedding lookup) adds with float atomics in
 *   whatever order threads run: results differ in the last bits from run to run, and exact-resume checks fail.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface WebGpuBackendLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo;
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** Swaps the webgpu kernel `name` for `make(original)`. */
function replaceKernel(name: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'webgpu');
  if (!original) throw new Error(`webgpu backend: tfjs-backend-webgpu registered no ${name} kernel`);
  tf.unregisterKernel(name, 'webgpu');
  tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: make(original.kernelFunc) });
}

/** AddN over at most `maxInputs` tensors per shader: chunks first, then the partial sums. */
function chunkedAddN(maxInputs: number) {
  return (addN: tf.KernelFunc): tf.KernelFunc =>
    (args) => {
      let level = args.inputs as unknown as tf.TensorInfo[];
      const partials: tf.TensorInfo[] = [];
      while (level.length > maxInputs) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += maxInputs) {
          const chunk = level.slice(i, i + maxInputs);
          if (chunk.length === 1) {
            next.push(chunk[0]);
            continue;
          }
          const sum = addN({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(sum);
          next.push(sum);
        }
        level = next;
      }
      const out = addN({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap });
      for (const p of partials) (args.backend as tf.KernelBackend).disposeData(p.dataId);
      return out;
    };
}

/**
 * out[s, c] = Σ x[i, c] over the positions i with id s, in increasing i: one thread per output element walks its
 * segment's positions, which the CPU sorted (ids are small int vectors, usually already on the CPU).
 */
class SortedSegmentSumProgram {
  variableNames = ['x', 'order', 'starts'];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  shaderKey = 'zsSortedSegmentSum';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];

  constructor(
    readonly outputShape: number[],
    webgpuUtil: WebGpuUtil,
  ) {
    this.dispatchLayout = webgpuUtil.flatDispatchLayout(outputShape);
    this.dispatch = webgpuUtil.computeDispatch(this.dispatchLayout, outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          var sum = 0.0;
          let end = i32(getStarts(coords[0] + 1));
          for (var k = i32(getStarts(coords[0])); k < end; k++) {
            sum = sum + getX(i32(getOrder(k)), coords[1]);
          }
          setOutputAtIndex(index, sum);
        }
      }`;
  }
}

interface WebGpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

function deterministicSegmentSum(webgpuUtil: WebGpuUtil) {
  return (atomicSegmentSum: tf.KernelFunc): tf.KernelFunc =>
    (args: KernelArgs) => {
      const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = args.attrs as unknown as { numSegments: number };
      const n = x.shape[0];
      // Integer sums do not depend on the order; odd shapes keep tfjs's own kernel.
      if (x.dtype !== 'float32' || segmentIds.shape.length !== 1 || segmentIds.shape[0] !== n || tf.util.sizeFromShape(x.shape) === 0) {
        return atomicSegmentSum(args);
      }
      const backend = args.backend as unknown as WebGpuBackendLike;
      const ids = backend.readSync(segmentIds.dataId) as Int32Array;
      // Counting sort of positions by id (stable, so each segment is summed in increasing position).
      const starts = new Int32Array(numSegments + 1);
      for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < numSegments) starts[ids[i] + 1]++;
      for (let s = 0; s < numSegments; s++) starts[s + 1] += starts[s];
      const order = new Int32Array(starts[numSegments]);
      const next = starts.slice(0, numSegments);
      for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < numSegments) order[next[ids[i]]++] = i;

      const width = tf.util.sizeFromShape(x.shape) / n;
      const orderInfo = backend.makeTensorInfo([Math.max(order.length, 1)], 'int32', order.length ? order : new Int32Array(1));
      const startsInfo = backend.makeTensorInfo([numSegments + 1], 'int32', starts);
      const out = backend.runWebGPUProgram(
        new SortedSegmentSumProgram([numSegments, width], webgpuUtil),
        [{ ...x, shape: [n, width] }, orderInfo, startsInfo],
        'float32',
      );
      backend.disposeData(orderInfo.dataId);
      backend.disposeData(startsInfo.dataId);
      // Same data, the caller's shape: [numSegments, ...x.shape.slice(1)] (as tfjs's Reshape kernel does).
      return { ...out, shape: [numSegments, ...x.shape.slice(1)] };
    };
}

/** Installs both replacements; `maxStorageBuffers` is the device's per-shader-stage limit. */
export function patchWebGpuKernels(maxStorageBuffers: number, webgpuUtil: WebGpuUtil): void {
  replaceKernel(tf.AddN, chunkedAddN(maxStorageBuffers - 1)); // one storage buffer is the output
  replaceKernel(tf.UnsortedSegmentSum, deterministicSegmentSum(webgpuUtil));
}
