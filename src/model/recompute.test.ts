import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { Rng } from '../util';
import { nestedGradients, recompute } from './recompute';
import { createModel, Transformer } from './transformer';
import { LoraTransformer } from './lora';

before(async () => {
  await initBackend();
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string) => {
  assert.equal(a.length, b.length, what);
  const scale = Math.max(...Array.from(b, Math.abs), 1e-12);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= rel * scale, `${what}[${i}]: ${a[i]} vs ${b[i]} (scale ${scale})`);
};

/** A customGrad whose backward pass differentiates `inner` again with `grad`, as a recomputing gradient does. */
function rerunInBackward(grad: (f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor) => tf.Tensor[]) {
  const inner = (x: tf.Tensor) => tf.sin(tf.mul(x, x));
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    return { value: inner(x), gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => grad(() => inner(xs), [xs], dy)[0] };
  });
}

test("a gradient taken inside a backward pass: tfjs's own call breaks the outer one, nestedGradients does not", () => {
  const x = tf.tensor1d([0.3, -1.2, 2]);
  const loss = (f: (x: tf.Tensor) => tf.Tensor) => () => tf.sum(tf.mul(f(x), tf.tensor1d([1, 2, 3]))) as tf.Scalar;
  const raw = rerunInBackward((f, xs, dy) => tf.engine().gradients(f, xs, dy).grads);
  assert.throws(() => tf.grad(loss(raw))(x), /forEach|null/, 'the nested call leaves activeTape null and the outer gradients crashes on it');
  (tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape = null; // what the crash left behind
  const before = tf.memory().numTensors;
  const g = tf.grad(loss(rerunInBackward(nestedGradients)))(x);
  // d/dx Σ w · sin(x²) = w · cos(x²) · 2x, computed apart in float64.
  const expected = [0.3, -1.2, 2].map((v, i) => (i + 1) * Math.cos(v * v) * 2 * v);
  close(g.dataSync(), expected, 1e-5, 'grad');
  g.dispose();
  assert.equal(tf.memory().numTensors, before, 'the outer tape was freed: no tensor left behind');
  x.dispose();
});

test('recompute: value and gradients (inputs and variables) equal plain autodiff; constants come from the saved copies', () => {
  const rng = new Rng(2);
  const w = tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: 12 }, () => rng.normal()),
      [4, 3],
    ),
    true,
  );
  const x = tf.tensor2d(
    Float32Array.from({ length: 8 }, () => rng.normal()),
    [2, 4],
  );
  const body = (h: tf.Tensor, c: tf.Tensor) => tf.mul(tf.tanh(tf.matMul(h as tf.Tensor2D, w)), c);
  const run = (checkpointed: boolean) => {
    const { value, grads } = tf.tidy(() => {
      const xs = tf.clone(x);
      // The constant is made inside the differentiated function, so it is freed before the backward pass runs.
      const f = () => {
        const c = tf.tensor1d([1, -2, 0.5]);
        const y = checkpointed ? recompute(([h], [cc]) => body(h, cc), [xs], [w], [c]) : body(xs, c);
        return tf.sum(tf.square(y)) as tf.Scalar;
      };
      const r = tf.engine().gradients(f, [xs, w]);
      return { value: r.value, grads: r.grads };
    });
    const out = { value: value.dataSync()[0], dx: grads[0].dataSync(), dw: grads[1].dataSync() };
    tf.dispose([value, ...grads]);
    return out;
  };
  const plain = run(false);
  const ckpt = run(true);
  assert.equal(ckpt.value, plain.value);
  close(ckpt.dx, plain.dx, 1e-6, 'dx');
  close(ckpt.dw, plain.dw, 1e-6, 'dw');
  tf.dispose([w, x]);
});

const TINY = { vocabSize: 29, hiddenSize: 32, numLayers: 4, numHeads: 4, numKvHeads: 2, intermediateSize: 48, qkvBias: true };

function rows(seed: number, B: number, T: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, (_, b) => Array.from({ length: T - 3 * b }, () => rng.int(TINY.vocabSize)));
}

/** Loss gradients of the entropy-and-log-prob objective the trainer uses, and the backward pass's peak bytes above the start. */
async function gradsAndPeak(model: Transformer, ids: number[][], activationCheckpointing: boolean) {
  const vars = model.trainableVariables();
  const start = tf.memory().numBytes;
  let r: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
  const profile = await tf.profile(() => {
    r = tf.variableGrads(() => {
      const s = model.tokenStats(ids, { entropy: true, activationCheckpointing });
      return tf.add(tf.sum(s.logProbs), tf.mul(tf.sum(s.entropy!), 0.1)) as tf.Scalar;
    }, vars);
  });
  const { value, grads } = r!;
  const out = vars.map((v) => grads[v.name].dataSync());
  tf.dispose([value, ...Object.values(grads)]);
  return { grads: out, peak: profile.peakBytes - start, leftover: tf.memory().numBytes - start };
}

for (const lora of [false, true]) {
  test(`activation checkpointing (${lora ? 'LoRA' : 'every weight'}): the same gradient for every trainable variable, a lower peak, nothing left behind`, async (t) => {
    const base = createModel(TINY, 5);
    const model = lora ? new LoraTransformer(base, { rank: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'o_proj', 'down_proj'], seed: 1 }) : base;
    // Untrained adapters (B = 0) would give A zero gradients: move B off zero so both matrices are checked.
    if (model instanceof LoraTransformer) for (const { b } of model.adapters.values()) b.assign(tf.randomNormal(b.shape, 0, 0.05, 'float32', 3));
    const ids = rows(1, 3, 48);
    const plain = await gradsAndPeak(model, ids, false);
    const ckpt = await gradsAndPeak(model, ids, true);
    assert.equal(ckpt.grads.length, model.trainableVariables().length);
    ckpt.grads.forEach((g, i) => close(g, plain.grads[i], 1e-5, `${model.trainableVariables()[i].name} gradient`));
    t.diagnostic(`backward peak ${ckpt.peak} B with checkpointing, ${plain.peak} B without (${(ckpt.peak / plain.peak).toFixed(2)}×)`);
    assert.ok(ckpt.peak < 0.6 * plain.peak, `peak ${ckpt.peak} B with checkpointing vs ${plain.peak} B without`);
    assert.equal(ckpt.leftover, 0);
    if (lora) model.dispose();
    base.dispose();
  });
}
