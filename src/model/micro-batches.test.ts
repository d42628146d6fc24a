import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel } from './transformer';
import { Rng } from '../util';
import { LossAggregation, policyLoss } from '../rl/losses';
import { accumulateGradients, clipByGlobalNorm, microBatchWeights, microBatches } from './micro-batches';

before(async () => {
  await initBackend();
});

test('microBatches: longest rows first, groups of at most size, every row once', () => {
  const lengths = [3, 9, 5, 9, 1];
  assert.deepEqual(microBatches([0, 1, 2, 3, 4], lengths, 2), [[1, 3], [2, 0], [4]]);
  assert.deepEqual(microBatches([4, 2], lengths, 8), [[2, 4]]);
  assert.throws(() => microBatches([0], lengths, 0), /size/);
});

test('microBatchWeights: token shares for token-mean, non-empty-row shares for seq-mean-token-mean', () => {
  const mask = [
    [1, 1, 0],
    [0, 0, 0],
    [1, 0, 0],
    [1, 1, 1],
  ];
  assert.deepEqual(
    microBatchWeights(
      [
        [0, 1],
        [2, 3],
      ],
      mask,
      'token-mean',
    ),
    [2 / 6, 4 / 6],
  );
  assert.deepEqual(
    microBatchWeights(
      [
        [0, 1],
        [2, 3],
      ],
      mask,
      'seq-mean-token-mean',
    ),
    [1 / 3, 2 / 3],
  );
  assert.deepEqual(microBatchWeights([[1]], mask, 'token-mean'), [0]);
});

// The whole batch in one pass vs micro-batches of 2: same loss, same gradient.
for (const aggregation of ['token-mean', 'seq-mean-token-mean'] as LossAggregation[]) {
  test(`accumulateGradients (${aggregation}): micro-batches give the one-pass loss and gradient`, () => {
    const model = createModel({ vocabSize: 11, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, tieEmbeddings: true }, 3);
    const rng = new Rng(5);
    const ids = [7, 4, 9, 2, 6].map((n) => Array.from({ length: n }, () => rng.int(11)));
    const lengths = ids.map((r) => r.length - 1);
    const W = Math.max(...lengths);
    const perToken = (f: (b: number, j: number) => number) => ids.map((_, b) => Array.from({ length: W }, (__, j) => (j < lengths[b] ? f(b, j) : 0)));
    const mask = perToken(() => (rng.next() < 0.6 ? 1 : 0));
    mask[3] = mask[3].map(() => 0); // a row without policy tokens
    const adv = perToken(() => rng.next() * 2 - 1);
    const old = perToken(() => -2 - rng.next());
    const rows = ids.map((_, i) => i);
    const lossOf = (sel: number[]) => {
      const w = Math.max(...sel.map((i) => lengths[i]));
      const t = (a: number[][]) => tf.tensor2d(sel.map((i) => a[i].slice(0, w)));
      const pg = policyLoss({ logProbs: model.tokenLogProbs(sel.map((i) => ids[i])), oldLogProbs: t(old), advantages: t(adv), mask: t(mask), aggregation });
      return { loss: pg.loss, extras: [pg.clipFraction] };
    };
    const vars = model.trainableVariables();
    const whole = accumulateGradients(vars, [rows], [1], lossOf);
    const groups = microBatches(rows, lengths, 2);
    const parts = accumulateGradients(vars, groups, microBatchWeights(groups, mask, aggregation), lossOf);
    assert.ok(Math.abs(whole.loss) > 1e-4, 'the loss is not trivially 0');
    assert.ok(Math.abs(parts.loss - whole.loss) < 1e-6, `${parts.loss} vs ${whole.loss}`);
    whole.grads.forEach((g, k) => {
      const a = g.dataSync();
      const b = parts.grads[k].dataSync();
      const scale = Math.max(1e-3, ...Array.from(a, Math.abs));
      a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-5 * scale, `${vars[k].name}[${i}]: ${b[i]} vs ${x}`));
    });
    tf.dispose([...whole.grads, ...parts.grads]);
    model.dispose();
  });
}

test('clipByGlobalNorm: the norm over all tensors; scaled to maxNorm above it, untouched below it or with 0', () => {
  const grads = () => [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])]; // global norm 5
  const above = clipByGlobalNorm(grads(), 1);
  assert.ok(Math.abs(above.norm - 5) < 1e-6);
  const scaled = above.clipped.flatMap((g) => Array.from(g.dataSync()));
  assert.ok(Math.abs(Math.hypot(...scaled) - 1) < 1e-5, `clipped norm ${Math.hypot(...scaled)}`);
  assert.ok(Math.abs(scaled[0] / scaled[3] - 3 / 4) < 1e-6, 'direction kept');
  for (const maxNorm of [10, 0]) {
    const g = grads();
    const r = clipByGlobalNorm(g, maxNorm);
    assert.equal(r.clipped, g);
    tf.dispose(r.clipped);
  }
  tf.dispose(above.clipped);
});
