/**
 * Loads the compiled N-API addon (native/build/Release/zs_native.node, built by
 * scripts/build-native.js) and types its functions. Every function reads and writes the given
 * TypedArrays in place; output buffers are allocated by the caller.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;
export const UNARY_OPS = {
  Exp: 0,
  Log: 1,
  Neg: 2,
  Sqrt: 3,
  Rsqrt: 4,
  Sigmoid: 5,
  Square: 6,
  Reciprocal: 7,
  Tanh: 8,
  Relu: 9,
  Abs: 10,
} as const;
export const REDUCE_OPS = { Sum: 0, Max: 1, Min: 2, Mean: 3 } as const;

type F32 = Float32Array;
type I32 = Int32Array;
type Word = Float32Array | Int32Array;

/** Shapes for the fused attention kernels; the mask is [maskBatch, T, S] (maskBatch 1 or B). */
export interface AttentionDims {
  B: number;
  H: number;
  Hkv: number;
  T: number;
  S: number;
  hd: number;
  maskBatch: number;
  scale: number;
}

export interface NativeAddon {
  setThreads(n: number): void;
  getThreads(): number;
  blasConfig(): string;
  matmul(a: F32, b: F32, out: F32, batch: number, aBatch: number, bBatch: number, m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  binary(op: number, a: F32, aShape: number[], b: F32, bShape: number[], out: F32, outSize: number): void;
  unary(op: number, x: F32, out: F32): void;
  reduce(op: number, x: F32, out: F32, outer: number, r: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number): void;
  transpose(x: Word, out: Word, shape: number[], perm: number[]): void;
  /** Returns the position of the first out-of-range index, or -1. */
  gather(x: Word, indices: I32, out: Word, outer: number, axisDim: number, inner: number): number;
  segmentSum(x: F32, ids: I32, out: F32, inner: number, numSegments: number): void;
  slice(x: Word, out: Word, shape: number[], begin: number[], size: number[]): void;
  /** constantBits: the fill value's 32 bits as an unsigned integer. */
  pad(x: Word, out: Word, shape: number[], before: number[], outShape: number[], constantBits: number): void;
  concat(xs: Word[], chunks: number[], out: Word, outer: number): void;
  rmsNorm(x: F32, w: F32, y: F32, rstd: F32, eps: number): void;
  rmsNormGrad(x: F32, w: F32, rstd: F32, dy: F32, dx: F32, dw: F32): void;
  swiglu(gate: F32, up: F32, y: F32): void;
  swigluGrad(gate: F32, up: F32, dy: F32, dgate: F32, dup: F32): void;
  /** Returns the first row whose label is out of range, or -1. */
  softmaxXent(logits: F32, labels: I32, loss: F32, probs: F32): number;
  softmaxXentGrad(probs: F32, labels: I32, dloss: F32, dlogits: F32): void;
  rope(x: F32, cos: F32, sin: F32, out: F32, rows: number, heads: number, hd: number, transpose: boolean): void;
  attention(q: F32, k: F32, v: F32, mask: F32 | null, out: F32, probs: F32, dims: AttentionDims): void;
  attentionGrad(q: F32, k: F32, v: F32, probs: F32, dout: F32, dq: F32, dk: F32, dv: F32, dims: AttentionDims): void;
  adam(p: F32, m: F32, v: F32, g: F32, lr: number, beta1: number, beta2: number, eps: number, biasCorr1: number, biasCorr2: number): void;
}

export const ADDON_PATH = path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'zs_native.node');

let addon: NativeAddon | null = null;

/** The addon, loaded once; throws a one-line reason when it was not built. */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(`native addon not built (${ADDON_PATH} missing; run \`node scripts/build-native.js\`)`);
  }
  addon = require(ADDON_PATH) as NativeAddon;
  return addon;
}
