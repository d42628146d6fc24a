/**
 * Every kernel the 'native' backend overrides, checked against tfjs-backend-cpu on random inputs:
 * values and gradients, broadcasting, transposes, batched matmuls, and the fused ops of ops.ts
 * against their composed twins. Skipped when the addon is not built.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import './backend'; // registers tfjs-core's gradients and the cpu backend
import { Rng } from '../util';
import { ADDON_PATH } from './native-addon';
import { registerNativeBackend } from './native-backend';
import { maskedAttention, rmsNorm, rotaryEmbedding, softmaxCrossEntropy, swiglu } from './ops';

const built = fs.existsSync(ADDON_PATH);
const skip = built ? false : 'native addon not built (node scripts/build-native.js)';

before(() => {
  if (built) registerNativeBackend();
});

type Spec = { shape: number[]; dtype?: 'float32' | 'int32'; max?: number };
type Outputs = Array<{ shape: number[]; values: number[] }>;

/** Deterministic inputs from specs: normal floats, or ints in [0, max). */
function makeInputs(specs: Spec[], seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return specs.map(({ shape, dtype = 'float32', max = 10 }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'int32')
      return tf.tensor(
        Int32Array.from({ length: n }, () => rng.int(max)),
        shape,
        'int32',
      );
    return tf.tensor(
      Float32Array.from({ length: n }, () => rng.normal()),
      shape,
    );
  });
}

/** f's outputs (and, with grad, d(sum of outputs·weights)/d(float inputs)) on one backend. */
async function runOn(backend: string, specs: Spec[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], grad: boolean): Promise<Outputs> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = makeInputs(specs, 7);
    const asList = (r: tf.Tensor | tf.Tensor[]) => (Array.isArray(r) ? r : [r]);
    const outs = asList(f(...xs)).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    if (!grad) return outs;
    const floatIdx = xs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
    const weightRng = new Rng(3);
    const loss = (...fx: tf.Tensor[]) => {
      const args = [...xs];
      floatIdx.forEach((i, j) => {
        args[i] = fx[j];
      });
      return tf.addN(
        asList(f(...args)).map((y) =>
          tf.sum(
            tf.mul(
              y,
              tf.tensor(
                Float32Array.from({ length: y.size }, () => weightRng.normal()),
                y.shape,
              ),
            ),
          ),
        ),
      ) as tf.Scalar;
    };
    const grads = tf.grads(loss)(floatIdx.map((i) => xs[i]));
    return [...outs, ...grads.map((g) => ({ shape: g.shape, values: Array.from(g.dataSync()) }))];
  });
}

function assertClose(native: Outputs, cpu: Outputs, what: string, tol = 1e-4): void {
  assert.equal(native.length, cpu.length, `${what}: number of outputs`);
  native.forEach((o, i) => {
    assert.deepEqual(o.shape, cpu[i].shape, `${what}: output ${i} shape`);
    o.values.forEach((v, j) => {
      const ref = cpu[i].values[j];
      if (!(Math.abs(v - ref) <= tol * (1 + Math.abs(ref)))) assert.fail(`${what}: output ${i}[${j}] native ${v} vs cpu ${ref}`);
    });
  });
}

async function check(what: string, specs: Spec[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], opts: { grad?: boolean; tol?: number } = {}) {
  const grad = opts.grad ?? true;
  const cpu = await runOn('cpu', specs, f, grad);
  const native = await runOn('native', specs, f, grad);
  assertClose(native, cpu, what, opts.tol);
}

test('BatchMatMul and _FusedMatMul: transposes, batches, broadcast batches, bias', { skip }, async () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = ta ? [5, 3] : [3, 5],
      b = tb ? [4, 5] : [5, 4];
    await check(`matMul 2-D ta=${ta} tb=${tb}`, [{ shape: a }, { shape: b }], (x, y) => tf.matMul(x, y, ta, tb));
    await check(`matMul batched ta=${ta} tb=${tb}`, [{ shape: [2, 3, ...a] }, { shape: [2, 3, ...b] }], (x, y) => tf.matMul(x, y, ta, tb));
  }
  // tfjs-core's BatchMatMul gradient does not reduce broadcast batches, so these check values only.
  await check('matMul batch × single matrix', [{ shape: [2, 3, 6, 5] }, { shape: [5, 4] }], (x, y) => tf.matMul(x, y), { grad: false });
  await check('matMul single × batch', [{ shape: [1, 6, 5] }, { shape: [3, 5, 4] }], (x, y) => tf.matMul(x, y), { grad: false });
  await check('fused matMul + bias', [{ shape: [6, 5] }, { shape: [5, 4] }, { shape: [4] }], (x, y, bias) => tf.fused.matMul({ a: x, b: y, bias }));
});

test('binary ops with broadcasting', { skip }, async () => {
  const pairs: Array<[number[], number[]]> = [
    [
      [2, 3, 4],
      [2, 3, 4],
    ],
    [[2, 3, 4], [4]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[3, 4], []],
    [[], [2, 5]],
    [
      [2, 3, 1, 5],
      [3, 4, 1],
    ],
    [
      [1, 1, 1, 4, 6],
      [2, 3, 2, 4, 6],
    ],
  ];
  const ops: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
    add: tf.add,
    sub: tf.sub,
    mul: tf.mul,
    div: (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5)),
    maximum: tf.maximum,
    minimum: tf.minimum,
    squaredDifference: tf.squaredDifference,
  };
  for (const [name, op] of Object.entries(ops)) {
    // tfjs-core's Maximum/Minimum/SquaredDifference gradients do not reduce broadcast dims: values only there.
    const gradOk = (sa: number[], sb: number[]) => !['maximum', 'minimum', 'squaredDifference'].includes(name) || sa.join() === sb.join();
    for (const [sa, sb] of pairs) await check(`${name} [${sa}] [${sb}]`, [{ shape: sa }, { shape: sb }], op, { grad: gradOk(sa, sb) });
  }
  await check(
    'int32 add falls back to cpu',
    [
      { shape: [3, 4], dtype: 'int32' },
      { shape: [4], dtype: 'int32' },
    ],
    (a, b) => tf.add(a, b),
    { grad: false },
  );
});

test('unary ops, including extreme inputs for exp and sigmoid', { skip }, async () => {
  const ops: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    exp: tf.exp,
    log: (x) => tf.log(tf.add(tf.abs(x), 0.1)),
    neg: tf.neg,
    sqrt: (x) => tf.sqrt(tf.add(tf.abs(x), 0.1)),
    rsqrt: (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1)),
    sigmoid: tf.sigmoid,
    square: tf.square,
    reciprocal: (x) => tf.reciprocal(tf.add(tf.abs(x), 0.5)),
    tanh: tf.tanh,
    relu: tf.relu,
    abs: tf.abs,
  };
  for (const [name, op] of Object.entries(ops)) await check(name, [{ shape: [3, 37] }], op);
  await tf.setBackend('native');
  const extremes = tf.tidy(() => [
    Array.from(tf.exp(tf.tensor([-1e9, -100, -87, 0, 1e-30, 88, 89, 1e9])).dataSync()),
    Array.from(tf.sigmoid(tf.tensor([-1e9, -50, 0, 50, 1e9])).dataSync()),
  ]);
  assert.deepEqual(extremes[0].slice(0, 2), [0, 0]);
  assert.ok(Math.abs((extremes[0][2] as number) / Math.exp(-87) - 1) < 1e-5);
  assert.deepEqual(extremes[0].slice(3, 5), [1, 1]);
  assert.ok(Math.abs((extremes[0][5] as number) / Math.exp(88) - 1) < 1e-5);
  assert.deepEqual(extremes[0].slice(6), [Infinity, Infinity]);
  assert.equal(extremes[1][0], 0);
  assert.ok(Math.abs(extremes[1][1] / (1 / (1 + Math.exp(50))) - 1) < 1e-5);
  assert.deepEqual(extremes[1].slice(2), [0.5, 1, 1]);
});

test('reductions, softmax and logSoftmax over contiguous and scattered axes', { skip }, async () => {
  const reducers: Record<string, (x: tf.Tensor, axis: number | number[], keep: boolean) => tf.Tensor> = {
    sum: tf.sum,
    max: tf.max,
    min: tf.min,
    mean: tf.mean,
  };
  for (const [name, r] of Object.entries(reducers)) {
    for (const axis of [-1, 0, 1, [0, 1], [1, 2], [0, 2]]) {
      for (const keep of [false, true]) await check(`${name} axis ${axis} keep ${keep}`, [{ shape: [3, 4, 5] }], (x) => r(x, axis, keep));
    }
  }
  await check('softmax', [{ shape: [2, 3, 17] }], (x) => tf.softmax(tf.mul(x, 5)));
  await check('logSoftmax', [{ shape: [4, 33] }], (x) => tf.logSoftmax(x));
});

test('data movement: transpose, gather, segment sum, slice, split, pad, concat, tile (float and int)', { skip }, async () => {
  for (const [shape, perm] of [
    [
      [5, 7],
      [1, 0],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [2, 3, 4, 5],
      [0, 2, 1, 3],
    ],
    [
      [40, 70],
      [1, 0],
    ],
    [
      [3, 4, 5, 6],
      [3, 1, 2, 0],
    ],
  ] as Array<[number[], number[]]>) {
    await check(`transpose [${shape}] by [${perm}]`, [{ shape }], (x) => tf.transpose(x, perm));
    await check(`int transpose [${shape}]`, [{ shape, dtype: 'int32' }], (x) => tf.transpose(x, perm), { grad: false });
  }
  await check('gather axis 0', [{ shape: [10, 6] }, { shape: [4, 3], dtype: 'int32', max: 10 }], (x, i) => tf.gather(x, i));
  await check('gather axis 1', [{ shape: [3, 10, 2] }, { shape: [7], dtype: 'int32', max: 10 }], (x, i) => tf.gather(x, i, 1));
  await check('unsortedSegmentSum', [{ shape: [8, 5] }, { shape: [8], dtype: 'int32', max: 4 }], (x, i) => tf.unsortedSegmentSum(x, i as tf.Tensor1D, 4));
  await check('slice', [{ shape: [4, 5, 6] }], (x) => tf.slice(x, [1, 0, 2], [2, -1, 3]));
  await check('split last axis', [{ shape: [3, 4, 8] }], (x) => tf.split(x, [3, 5], -1));
  await check('split middle axis', [{ shape: [3, 4, 8] }], (x) => tf.split(x, 2, 1));
  await check('pad', [{ shape: [2, 3] }], (x) =>
    tf.pad(
      x,
      [
        [1, 0],
        [2, 3],
      ],
      1.5,
    ),
  );
  await check('concat axis 1', [{ shape: [2, 3, 4] }, { shape: [2, 1, 4] }, { shape: [2, 0, 4] }], (a, b, c) => tf.concat([a, b, c], 1));
  await check('concat last axis', [{ shape: [2, 3] }, { shape: [2, 5] }], (a, b) => tf.concat([a, b], -1));
  await check('tile', [{ shape: [2, 1, 3] }], (x) => tf.tile(x, [2, 4, 1]));
  await check('tile last axis', [{ shape: [3, 1] }], (x) => tf.tile(x, [1, 5]));
  await check('where broadcasts its condition', [{ shape: [3, 1] }, { shape: [3, 4] }, { shape: [3, 4] }], (c, a, b) => tf.where(tf.greater(c, 0), a, b), {
    grad: false,
  });
  await check(
    'int concat',
    [
      { shape: [2, 3], dtype: 'int32' },
      { shape: [1, 3], dtype: 'int32' },
    ],
    (a, b) => tf.concat([a, b], 0),
    { grad: false },
  );
  await tf.setBackend('native');
  assert.throws(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], 'int32'))), /index value 3/);
});

test('fused ops equal their composed twins (values and gradients)', { skip }, async () => {
  await check('rmsNorm', [{ shape: [6, 16] }, { shape: [16] }], (x, w) => rmsNorm(x, w, 1e-6));
  await check('swiglu', [{ shape: [5, 12] }, { shape: [5, 12] }], (g, u) => swiglu(g, u));
  await check('softmaxCrossEntropy', [{ shape: [2, 3, 11] }, { shape: [2, 3], dtype: 'int32', max: 11 }], (l, y) => softmaxCrossEntropy(l, y));
  const tables = (rows: number, hd: number) => {
    const pos = Array.from({ length: rows }, (_, i) => i % 5);
    const angle = pos.flatMap((p) => Array.from({ length: hd }, (_, j) => p / Math.pow(10000, (2 * (j % (hd / 2))) / hd)));
    return { cos: tf.tensor3d(angle.map(Math.cos), [rows, 1, hd]), sin: tf.tensor3d(angle.map(Math.sin), [rows, 1, hd]) };
  };
  await check('rotaryEmbedding', [{ shape: [6, 3, 8] }], (x) => {
    const { cos, sin } = tables(6, 8);
    return rotaryEmbedding(x as tf.Tensor3D, cos, sin);
  });
  // Causal mask with a past of 2 slots, per-row padding in batch 1.
  const mask = (B: number, T: number, S: number) =>
    tf.tensor(
      Array.from({ length: B * T * S }, (_, i) => {
        const s = i % S,
          t = Math.floor(i / S) % T,
          b = Math.floor(i / (S * T));
        return s <= S - T + t && !(b === 1 && s === 0) ? 0 : -1e9;
      }),
      [B, 1, 1, T, S],
    );
  await check('maskedAttention MHA', [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 4] }], (q, k, v) =>
    maskedAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, mask(2, 3, 5)),
  );
  await check('maskedAttention GQA, shared mask', [{ shape: [2, 4, 3, 4] }, { shape: [2, 2, 3, 4] }, { shape: [2, 2, 3, 4] }], (q, k, v) =>
    maskedAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, mask(1, 3, 3)),
  );
  // Several row blocks (the kernel skips key columns a whole block of rows cannot see), with
  // left padding in row 1 so its first 3 queries see no key at all (a uniform distribution).
  const padded = (B: number, T: number) =>
    tf.tensor(
      Array.from({ length: B * T * T }, (_, i) => {
        const s = i % T,
          t = Math.floor(i / T) % T,
          b = Math.floor(i / (T * T));
        return s <= t && !(b === 1 && s < 3) ? 0 : -1e9;
      }),
      [B, 1, 1, T, T],
    );
  await check('maskedAttention, 40 causal positions with padding', [{ shape: [2, 2, 40, 8] }, { shape: [2, 2, 40, 8] }, { shape: [2, 2, 40, 8] }], (q, k, v) =>
    maskedAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, padded(2, 40)),
  );
  await tf.setBackend('native');
  assert.throws(() => tf.tidy(() => softmaxCrossEntropy(tf.ones([2, 3]), tf.tensor1d([0, 3], 'int32'))), /label 3 at row 1/);
});

test('pooled buffers never leak through dataSync or views after dispose', { skip }, async () => {
  await tf.setBackend('native');
  const a = tf.exp(tf.zeros([64]));
  const seen = a.dataSync();
  const view = tf.slice(a, [0], [32]);
  a.dispose();
  const reuse = tf.tidy(() => tf.mul(tf.ones([64]), 7)); // same size: takes a's recycled buffer
  assert.equal(seen[0], 1);
  assert.equal(view.dataSync()[5], 1);
  tf.dispose([view, reuse]);
});
