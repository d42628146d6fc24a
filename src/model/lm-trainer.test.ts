import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { readJsonl } from '../util';
import { createModel } from './transformer';
import { LmExample, LossRecord, learningRate, trainLm } from './lm-trainer';

before(async () => {
  await initBackend();
});

const config = { vocabSize: 16, hiddenSize: 32, numLayers: 1, numHeads: 4, numKvHeads: 2, intermediateSize: 48 };

/** Copy task: after the separator 15, repeat the prefix. Targets are the copied tokens only. */
function copyExample(len: number, offset: number): LmExample {
  const prefix = Array.from({ length: len }, (_, i) => 1 + ((i * 3 + offset) % 13));
  const ids = [...prefix, 15, ...prefix];
  return { ids, lossMask: ids.map((_, t) => (t > len ? 1 : 0)) };
}
const data = [copyExample(3, 0), copyExample(4, 5), copyExample(5, 2), copyExample(3, 7)];

test('loss decreases on a toy task and no tensors leak across steps', async () => {
  const model = createModel(config, 3);
  const before = tf.memory().numTensors;
  const out = await trainLm(model, data, { steps: 40, batchSize: 4, lr: 1e-2, warmup: 4, seed: 1, weightDecay: 0.01 });
  assert.equal(tf.memory().numTensors, before, 'tensor count changed over training');
  const first = out.losses.slice(0, 3).reduce((a, r) => a + r.loss, 0) / 3;
  const last = out.losses.slice(-3).reduce((a, r) => a + r.loss, 0) / 3;
  assert.ok(first > 2 && last < first * 0.5, `loss ${first} → ${last}`);
  assert.equal(out.step, 40);
  model.dispose();
});

test('a run killed after a checkpoint resumes to exactly the losses and weights of an uninterrupted run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lm-trainer-'));
  const opts = { steps: 8, batchSize: 3, lr: 5e-3, warmup: 2, seed: 7, gradClip: 0.5, weightDecay: 0.1 };
  const full = createModel(config, 5);
  const straight = await trainLm(full, data, opts);

  const resumed = createModel(config, 5);
  const lossLog = path.join(dir, 'loss.jsonl');
  const ckpt = path.join(dir, 'ckpt');
  const part = await trainLm(resumed, data, { ...opts, checkpointDir: ckpt, checkpointEvery: 3, lossLog, stopAfterStep: 5 });
  assert.equal(part.step, 5);
  // The kill happened after step 5, but the last periodic checkpoint was at 3; simulate a late kill by
  // appending a bogus row the resumed run must discard.
  fs.appendFileSync(lossLog, JSON.stringify({ step: 5, loss: 123 }) + '\n');
  const fresh = createModel(config, 99); // different init: everything must come from the checkpoint
  const rest = await trainLm(fresh, data, { ...opts, checkpointDir: ckpt, lossLog });
  assert.equal(rest.resumedFrom, 5);
  const logged = readJsonl<LossRecord>(lossLog);
  assert.deepEqual(
    logged.map((r) => r.step),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(
    logged.map((r) => r.loss),
    straight.losses.map((r) => r.loss),
  );
  for (const [name, v] of full.params) {
    assert.deepEqual(Array.from(fresh.params.get(name)!.dataSync()), Array.from(v.dataSync()), `weight ${name} differs`);
  }
  full.dispose();
  resumed.dispose();
  fresh.dispose();
});

test('non-finite losses are skipped, then stop the run with a clear error', async () => {
  const model = createModel(config, 1);
  const poisoned = {
    lossOnTargets: (ids: number[][], m: number[][]) => tf.mul(model.lossOnTargets(ids, m), NaN) as tf.Scalar,
    trainableVariables: () => model.trainableVariables(),
  };
  await assert.rejects(trainLm(poisoned, data, { steps: 10, batchSize: 2, lr: 1e-3, seed: 1, maxBadSteps: 3 }), /3 steps in a row had a non-finite loss/);
  model.dispose();
});

test('learning-rate schedule: linear warmup, cosine to the floor', () => {
  const o = { lr: 1, warmup: 4, steps: 104, minLrRatio: 0.1 };
  assert.equal(learningRate(0, o), 0.25);
  assert.equal(learningRate(3, o), 1);
  assert.ok(Math.abs(learningRate(54, o) - 0.55) < 1e-9);
  assert.ok(Math.abs(learningRate(104, o) - 0.1) < 1e-9);
});
