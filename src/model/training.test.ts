import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel, generate } from './index';

before(async () => {
  await initBackend();
});

test('Adam on a toy sequence drives the target loss near zero without leaking tensors', () => {
  const model = createModel({ vocabSize: 12, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 64 }, 1);
  // Two sequences sharing a prefix; the token at position 3 decides the continuation.
  const ids = [
    [1, 2, 3, 4, 5, 6, 7, 8],
    [1, 2, 3, 9, 10, 11, 2, 5],
  ];
  const lossMask = ids.map((r) => r.map((_, t) => (t >= 4 ? 1 : 0))); // loss on the continuation only
  const optimizer = tf.train.adam(1e-2);
  const first = model.lossOnTargets(ids, lossMask);
  const initial = first.dataSync()[0];
  first.dispose();
  let tensorsAfterFirstStep = -1;
  let final = Infinity;
  for (let step = 0; step < 80; step++) {
    const loss = optimizer.minimize(() => model.lossOnTargets(ids, lossMask), true, model.trainableVariables())!;
    final = loss.dataSync()[0];
    loss.dispose();
    if (step === 0)
      tensorsAfterFirstStep = tf.memory().numTensors; // Adam's moments exist from here on
    else assert.equal(tf.memory().numTensors, tensorsAfterFirstStep, `tensor count grew at step ${step}`);
  }
  assert.ok(initial > 2, `initial loss ${initial} should be near ln(12)`);
  assert.ok(final < 0.05, `final loss ${final}`);
  // The trained model reproduces both continuations greedily.
  const out = generate(model, [ids[0].slice(0, 4), ids[1].slice(0, 4)], { maxNewTokens: 4, temperature: 0 });
  assert.deepEqual(out.tokens, [ids[0].slice(4), ids[1].slice(4)]);
  optimizer.dispose();
  model.dispose();
});
