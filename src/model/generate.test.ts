import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { Rng } from '../util';
import { createModel, generate, sampleToken, stopOnStrings, Transformer, ModelConfigInput } from './index';

const tiny: ModelConfigInput = { vocabSize: 17, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24 };

before(async () => {
  await initBackend();
});

function roughModel(seed: number): Transformer {
  const model = createModel(tiny, seed);
  const rng = new Rng(seed + 1000);
  for (const v of model.params.values()) {
    v.assign(
      tf.tensor(
        Float32Array.from({ length: v.size }, () => (v.shape.length === 1 ? 1 : 0) + 0.4 * rng.normal()),
        v.shape,
      ),
    );
  }
  return model;
}

/** Last-position logits of each row, recomputed from scratch without a cache. */
function fullLastLogits(model: Transformer, row: number[]): number[] {
  const logits = model.forward([row]);
  const all = logits.arraySync() as number[][][];
  logits.dispose();
  return all[0][row.length - 1];
}

function assertClose(a: number[], b: number[], tol: number, what: string): void {
  const diff = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(diff < tol, `${what}: max difference ${diff}`);
}

test('extend with different chunk lengths per row (including empty) matches full recomputation', () => {
  const model = roughModel(1);
  const chunks: number[][][] = [
    [[1, 2, 3], [4], [5, 6, 7, 8, 9]],
    [[10], [], [11, 12]],
    [[], [13, 14, 15, 16], [0]],
    [[2], [3], []],
  ];
  const before = tf.memory().numTensors;
  const cache = model.newCache(3);
  const seen: number[][] = [[], [], []];
  for (const step of chunks) {
    const logits = model.extend(cache, step);
    const rows = logits.arraySync();
    logits.dispose();
    step.forEach((chunk, b) => seen[b].push(...chunk));
    seen.forEach((row, b) => assertClose(rows[b], fullLastLogits(model, row), 1e-4, `row ${b} after ${JSON.stringify(step)}`));
    assert.deepEqual(
      cache.lengths,
      seen.map((r) => r.length),
    );
    assert.equal(cache.numSlots, Math.max(...cache.lengths), 'rows are packed: the cache is as wide as the longest row');
  }
  // Dropping a row keeps the others intact, and dropping the longest one narrows the cache.
  cache.selectRows([1, 0]);
  assert.equal(cache.numSlots, Math.max(seen[1].length, seen[0].length));
  const logits = model.extend(cache, [[7], [8, 9]]);
  const rows = logits.arraySync();
  logits.dispose();
  assertClose(rows[0], fullLastLogits(model, [...seen[1], 7]), 1e-4, 'row 1 after selectRows');
  assertClose(rows[1], fullLastLogits(model, [...seen[0], 8, 9]), 1e-4, 'row 0 after selectRows');
  cache.dispose();
  assert.equal(tf.memory().numTensors, before, 'extend/selectRows/dispose must not leak tensors');
  assert.throws(() => model.extend(cache, [[1], [2]]), /used after dispose/);
  model.dispose();
});

test('greedy generate equals a full-recomputation greedy loop; finished rows stop early', () => {
  const model = roughModel(2);
  const prompts = [
    [1, 2, 3],
    [4, 5],
    [6, 7, 8, 9],
  ];
  const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
  const expected = prompts.map((p) => {
    const row = p.slice();
    const out: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = argmax(fullLastLogits(model, row));
      out.push(t);
      row.push(t);
    }
    return out;
  });
  const before = tf.memory().numTensors;
  const result = generate(model, prompts, { maxNewTokens: 6, temperature: 0 });
  assert.deepEqual(result.tokens, expected);
  assert.deepEqual(result.finishReason, ['length', 'length', 'length']);
  assert.equal(tf.memory().numTensors, before, 'generate must not leak tensors');

  // Stop on the third token of row 1: it finishes with 'stop' and keeps the stop token; others run on.
  const stopId = expected[1][2];
  const firstStop = (row: number[]) => row.indexOf(stopId);
  const stopped = generate(model, prompts, { maxNewTokens: 6, temperature: 0, stopTokenIds: [stopId] });
  stopped.tokens.forEach((toks, b) => {
    const at = firstStop(expected[b]);
    assert.deepEqual(toks, at >= 0 ? expected[b].slice(0, at + 1) : expected[b]);
    assert.equal(stopped.finishReason[b], at >= 0 ? 'stop' : 'length');
  });
  const byLength = generate(model, prompts, { maxNewTokens: 6, temperature: 0, stopWhen: (row) => row.length === 2 });
  assert.deepEqual(
    byLength.tokens,
    expected.map((e) => e.slice(0, 2)),
  );
  assert.deepEqual(byLength.finishReason, ['stop', 'stop', 'stop']);
  model.dispose();
});

test('seeded sampling: same seed same tokens, a row does not depend on its batch mates', () => {
  const model = roughModel(3);
  const prompts = [
    [1, 2],
    [3, 4, 5],
  ];
  const opts = { maxNewTokens: 8, temperature: 1.0, topP: 0.9, seed: 42 };
  const a = generate(model, prompts, opts);
  const b = generate(model, prompts, opts);
  assert.deepEqual(a.tokens, b.tokens);
  const alone = generate(model, [prompts[0]], opts);
  assert.deepEqual(alone.tokens[0], a.tokens[0]);
  const other = generate(model, prompts, { ...opts, seed: 43 });
  assert.notDeepEqual(other.tokens, a.tokens);
  model.dispose();
});

test('per-row budgets: each row stops at its own maxNewTokens, and its tokens match a run with that budget', () => {
  const model = roughModel(4);
  const prompts = [[1, 2], [3], [4, 5, 6]];
  const opts = { temperature: 1.0, seed: 9 };
  const out = generate(model, prompts, { ...opts, maxNewTokens: [3, 0, 6] });
  assert.deepEqual(
    out.tokens.map((t) => t.length),
    [3, 0, 6],
  );
  assert.deepEqual(out.finishReason, ['length', 'length', 'length']);
  const whole = generate(model, prompts, { ...opts, maxNewTokens: 6 });
  assert.deepEqual(out.tokens[0], whole.tokens[0].slice(0, 3));
  assert.deepEqual(out.tokens[2], whole.tokens[2]);
  assert.throws(() => generate(model, prompts, { ...opts, maxNewTokens: [3, 1] }), /one per prompt/);
  model.dispose();
});

test('sampleToken follows the softmax and respects top-p', () => {
  const rng = new Rng(7);
  const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
  const counts = [0, 0, 0];
  for (let i = 0; i < 20000; i++) counts[sampleToken(logits, { temperature: 1 }, rng)]++;
  [0.5, 0.3, 0.2].forEach((p, i) => assert.ok(Math.abs(counts[i] / 20000 - p) < 0.015, `p(${i}) = ${counts[i] / 20000}`));
  const nucleus = [0, 0, 0];
  for (let i = 0; i < 5000; i++) nucleus[sampleToken(logits, { topP: 0.7 }, rng)]++;
  assert.equal(nucleus[2], 0, 'the 0.2 tail lies outside the 0.7 nucleus');
  assert.ok(Math.abs(nucleus[0] / 5000 - 0.625) < 0.03);
  assert.equal(sampleToken([0.1, 3, 2], { temperature: 0 }, rng), 1);
});

test('stopOnStrings decodes the tail and detects a stop string spanning tokens', () => {
  const vocab = ['<', '/search', '>', 'a', ' b'];
  const decode = (ids: number[]) => ids.map((i) => vocab[i]).join('');
  const stop = stopOnStrings(decode, ['</search>']);
  assert.equal(stop([3, 4, 0, 1]), false);
  assert.equal(stop([3, 4, 0, 1, 2]), true);
});
