import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { AdamW } from './adamw';
import { Rng } from '../util';

/** Five updates of a 3×4 matrix and a bias on a fixed least-squares problem; returns the final weights. */
async function train(
  backend: string,
  make: (vars: tf.Variable[]) => { apply(vars: tf.Variable[], grads: tf.Tensor[]): void; dispose(): void },
): Promise<number[]> {
  await tf.setBackend(backend);
  const rng = new Rng(5);
  const w = tf.variable(
    tf.tensor(
      Float32Array.from({ length: 12 }, () => rng.normal()),
      [3, 4],
    ),
  );
  const b = tf.variable(
    tf.tensor(
      Float32Array.from({ length: 4 }, () => rng.normal()),
      [4],
    ),
  );
  const x = tf.tensor(
    Float32Array.from({ length: 6 }, () => rng.normal()),
    [2, 3],
  );
  const opt = make([w, b]);
  for (let i = 0; i < 5; i++) {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar, [w, b]);
    opt.apply([w, b], [grads[w.name], grads[b.name]]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = [...w.dataSync(), ...b.dataSync()];
  tf.dispose([w, b, x]);
  opt.dispose();
  return out;
}

const kitAdamW = (opts: ConstructorParameters<typeof AdamW>[1]) => (vars: tf.Variable[]) => {
  const o = new AdamW(vars, opts);
  return { apply: (_: tf.Variable[], g: tf.Tensor[]) => o.apply(g, 0.05), dispose: () => o.dispose() };
};

function assertClose(a: number[], b: number[], tol: number, what: string) {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * (1 + Math.abs(x)), `${what}[${i}]: ${x} vs ${b[i]}`));
}

test('AdamW with no weight decay follows tf.train.adam step for step, on every backend', async () => {
  const started = await initBackend({ log: false });
  const reference = await train('cpu', () => {
    const o = tf.train.adam(0.05);
    return {
      apply: (vars, grads) => o.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] }))),
      dispose: () => o.dispose(),
    };
  });
  for (const backend of new Set(['cpu', started.name])) {
    assertClose(await train(backend, kitAdamW({})), reference, 1e-5, `${backend} vs tf.train.adam`);
  }
});

test('decoupled weight decay shrinks matrices only: p(1 − lr·λ) − lr·step', async () => {
  const started = await initBackend({ log: false });
  for (const backend of new Set(['cpu', started.name])) {
    await tf.setBackend(backend);
    const w = tf.variable(tf.fill([2, 2], 2));
    const b = tf.variable(tf.fill([2], 2));
    const opt = new AdamW([w, b], { weightDecay: 0.1 });
    // With a zero gradient m = v = 0, so the Adam step is 0 and only the decay acts (on w, not on b).
    opt.apply([tf.zeros([2, 2]), tf.zeros([2])], 0.5);
    assertClose(Array.from(w.dataSync()), [1.9, 1.9, 1.9, 1.9], 1e-6, `${backend} decayed matrix`);
    assertClose(Array.from(b.dataSync()), [2, 2], 0, `${backend} vector`);
    tf.dispose([w, b]);
    opt.dispose();
  }
});

test('optimizer state saves and restores exactly (step and moments)', async () => {
  await initBackend({ log: false });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adamw-'));
  try {
    const w = tf.variable(
      tf.tensor([
        [1, -2],
        [3, 0.5],
      ]),
    );
    const a = new AdamW([w], { weightDecay: 0.01 });
    a.apply(
      [
        tf.tensor([
          [0.1, 0.2],
          [-0.3, 0.4],
        ]),
      ],
      0.01,
    );
    a.apply(
      [
        tf.tensor([
          [0.5, -0.2],
          [0.3, 0.1],
        ]),
      ],
      0.01,
    );
    a.save(path.join(dir, 'opt.safetensors'));
    const w2 = tf.variable(w.clone());
    const b = new AdamW([w2], { weightDecay: 0.01 });
    b.load(path.join(dir, 'opt.safetensors'));
    assert.equal(b.step, 2);
    assert.deepEqual(Array.from(b.m[0].dataSync()), Array.from(a.m[0].dataSync()));
    assert.deepEqual(Array.from(b.v[0].dataSync()), Array.from(a.v[0].dataSync()));
    const g = tf.tensor([
      [0.2, 0.2],
      [0.2, -0.2],
    ]);
    a.apply([g], 0.01);
    b.apply([g], 0.01);
    assert.deepEqual(Array.from(w2.dataSync()), Array.from(w.dataSync()));
    tf.dispose([w, w2, g]);
    a.dispose();
    b.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
