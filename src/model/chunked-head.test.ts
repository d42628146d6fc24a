import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel } from './transformer';
import { LoraTransformer } from './lora';

before(async () => {
  await initBackend();
});

const ids = [
  [1, 5, 9, 2, 7, 3],
  [4, 4, 8, 1],
  [6, 2, 3, 9, 9],
];

function statsAndGrads(tie: boolean, chunkElements: number | undefined) {
  const model = createModel({ vocabSize: 40, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, tieEmbeddings: tie }, 3);
  const vars = model.trainableVariables();
  const weights = tf.tensor2d(ids.map((_, b) => Array.from({ length: 5 }, (_, t) => (b + 1) * 0.1 + t * 0.05)));
  const { value, grads } = tf.variableGrads(() => {
    const s = model.tokenStats(ids, { entropy: true, chunkElements });
    return tf.add(tf.sum(tf.mul(s.logProbs, weights)), tf.sum(tf.mul(s.entropy!, 0.3))) as tf.Scalar;
  }, vars);
  const s = model.tokenStats(ids, { entropy: true, chunkElements });
  const out = {
    loss: value.dataSync()[0],
    logProbs: s.logProbs.arraySync(),
    entropy: s.entropy!.arraySync(),
    grads: vars.map((v) => Array.from(grads[v.name].dataSync())),
  };
  model.dispose();
  return out;
}

function close(a: number[], b: number[], tol: number, what: string) {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${x} vs ${b[i]}`));
}

for (const tie of [false, true]) {
  test(`chunked head (${tie ? 'tied embeddings' : 'lm_head'}): same log-probs, entropy and gradients as the full logits`, () => {
    const full = statsAndGrads(tie, undefined);
    const chunked = statsAndGrads(tie, 40 * 4); // 4 positions per chunk: 15 positions → 4 chunks, the last partial
    close(chunked.logProbs.flat(), full.logProbs.flat(), 1e-5, 'logProbs');
    close(chunked.entropy.flat(), full.entropy.flat(), 1e-5, 'entropy');
    chunked.grads.forEach((g, i) => close(g, full.grads[i], 1e-4, `grad ${i}`));
  });
}

test('an adapter on lm_head keeps the full-logits path (the chunked head reads a plain matrix)', () => {
  const base = createModel({ vocabSize: 40, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16 }, 3);
  const lora = new LoraTransformer(base, { rank: 2, alpha: 2, targetModules: ['lm_head'] });
  const a = lora.tokenStats(ids, { chunkElements: 40 }).logProbs.arraySync().flat();
  const b = lora.tokenStats(ids).logProbs.arraySync().flat();
  close(a, b, 1e-6, 'logProbs');
  lora.dispose();
  base.dispose();
});
