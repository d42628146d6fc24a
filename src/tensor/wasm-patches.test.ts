import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend';
import { assertClose, onBoth as onCpuAnd } from './compare.testutil';

const onBoth = async (f: () => tf.Tensor | tf.Tensor[]) => {
  const { cpu, other } = await onCpuAnd('wasm', f);
  return { cpu, wasm: other };
};

test('patched wasm matmul agrees with cpu for transposes, batches and gradients', async () => {
  await initBackend({ backend: 'wasm', log: false });
  const a = () => tf.randomNormal([3, 5, 7], 0, 1, 'float32', 1);
  const b = () => tf.randomNormal([3, 7, 4], 0, 1, 'float32', 2);
  const cases: Array<() => tf.Tensor | tf.Tensor[]> = [
    () => tf.matMul(tf.randomNormal([6, 7], 0, 1, 'float32', 3), tf.randomNormal([4, 7], 0, 1, 'float32', 4), false, true),
    () => tf.matMul(tf.randomNormal([7, 6], 0, 1, 'float32', 3), tf.randomNormal([7, 4], 0, 1, 'float32', 4), true, false),
    () => tf.matMul(a(), b()),
    // Large enough per slice (128·64·128 MACs) to take the slice-by-slice XNNPACK path.
    () => tf.matMul(tf.randomNormal([2, 128, 64], 0, 1, 'float32', 5), tf.randomNormal([2, 64, 128], 0, 1, 'float32', 6)),
    () => tf.matMul(a(), tf.transpose(b(), [0, 2, 1]), false, true),
    () => {
      const x = a();
      const y = b();
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q))));
      return g([x, y]);
    },
  ];
  for (const c of cases) {
    const { cpu, wasm } = await onBoth(c);
    assertClose(cpu, wasm, 1e-4, 'wasm');
  }
});

test('wasm gather gradient (UnsortedSegmentSum) matches cpu, including repeated ids', async () => {
  await initBackend({ backend: 'wasm', log: false });
  const { cpu, wasm } = await onBoth(() => {
    const table = tf.randomNormal([5, 3], 0, 1, 'float32', 7);
    const ids = tf.tensor1d([0, 4, 4, 2, 0, 0], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.range(1, 19).reshape([6, 3]))));
    return g(table);
  });
  assertClose(cpu, wasm, 1e-4, 'wasm');
  // Row 0 is gathered at positions 0, 4, 5: its gradient is the sum of those rows of the weights.
  assert.deepEqual(wasm[0].slice(0, 3), [1 + 13 + 16, 2 + 14 + 17, 3 + 15 + 18]);
  assert.deepEqual(wasm[0].slice(3, 6), [0, 0, 0]);
});

test('a training step on wasm leaks no tensors', async () => {
  await initBackend({ backend: 'wasm', log: false });
  await tf.setBackend('wasm');
  const w = tf.variable(tf.randomNormal([8, 8], 0, 0.1, 'float32', 1));
  const emb = tf.variable(tf.randomNormal([10, 8], 0, 0.1, 'float32', 2));
  const opt = tf.train.adam(0.01);
  const ids = tf.tensor1d([1, 2, 3, 9], 'int32');
  const step = () => opt.minimize(() => tf.sum(tf.square(tf.matMul(tf.gather(emb, ids), w))), false, [w, emb]);
  step(); // Adam creates its slot variables on the first step
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([w, emb, ids]);
  opt.dispose();
});
