import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { maskedAttention } from '../tensor/ops';
import { causalAttention } from './chunked-attention';
import { buildMask } from './layers';
import { createModel } from './transformer';

before(async () => {
  await initBackend();
});

const close = (a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string) => {
  assert.equal(a.length, b.length, what);
  const scale = Math.max(...Array.from(b, Math.abs), 1e-12);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= rel * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

/** q [B, H, T, hd], k and v [B, Hkv, T, hd] with a spread large enough that attention is far from uniform. */
function qkv(B: number, H: number, Hkv: number, T: number, hd: number) {
  return {
    q: tf.randomNormal([B, H, T, hd], 0, 1.5, 'float32', 1) as tf.Tensor4D,
    k: tf.randomNormal([B, Hkv, T, hd], 0, 1.5, 'float32', 2) as tf.Tensor4D,
    v: tf.randomNormal([B, Hkv, T, hd], 0, 1, 'float32', 3) as tf.Tensor4D,
    w: tf.randomNormal([B, H, T, hd], 0, 1, 'float32', 4),
  };
}

/** Output, the gradients of Σ w · attention with respect to q, k, v, and the peak bytes of that backward pass. */
async function run(attention: (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D) => tf.Tensor4D, x: ReturnType<typeof qkv>) {
  const start = tf.memory().numBytes;
  let grads: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    grads = tf.grads((q, k, v) => tf.sum(tf.mul(attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D), x.w)))([x.q, x.k, x.v]);
  });
  const out = tf.tidy(() => attention(x.q, x.k, x.v));
  const result = { out: out.dataSync(), grads: grads.map((g) => g.dataSync()), peak: profile.peakBytes - start };
  tf.dispose([out, ...grads]);
  assert.equal(tf.memory().numBytes, start, 'nothing left behind');
  return result;
}

test('chunked causal attention: output and q, k, v gradients equal whole attention with a causal mask, for even and ragged chunks', async () => {
  const [T, x] = [13, qkv(2, 4, 2, 13, 8)];
  const whole = await run(
    (q, k, v) =>
      tf.tidy(() =>
        maskedAttention(
          q,
          k,
          v,
          buildMask(1, T, T, (_, t, s) => s <= t),
        ),
      ),
    x,
  );
  for (const chunk of [0, 1, 4, 5, 12, 13]) {
    const chunked = await run((q, k, v) => causalAttention(q, k, v, chunk), x);
    close(chunked.out, whole.out, 1e-5, `output, chunk ${chunk}`);
    chunked.grads.forEach((g, i) => close(g, whole.grads[i], 1e-5, `d${'qkv'[i]}, chunk ${chunk}`));
  }
  tf.dispose(Object.values(x));
});

test('chunked causal attention: the backward pass holds one chunk of scores, not all of them', async (t) => {
  const x = qkv(2, 8, 2, 192, 8);
  const whole = await run((q, k, v) => causalAttention(q, k, v, 0), x);
  const chunked = await run((q, k, v) => causalAttention(q, k, v, 16), x);
  t.diagnostic(`backward peak ${chunked.peak} B in chunks of 16 queries, ${whole.peak} B whole (${(chunked.peak / whole.peak).toFixed(2)}×)`);
  assert.ok(chunked.peak < 0.5 * whole.peak, `peak ${chunked.peak} B chunked vs ${whole.peak} B whole`);
  tf.dispose(Object.values(x));
});

test('a model with chunked attention, with and without activation checkpointing: the same log-probs and gradients', () => {
  const model = createModel({ vocabSize: 23, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24, qkvBias: true }, 9);
  const ids = [
    [1, 5, 9, 2, 7, 3, 11, 4, 8, 20, 6],
    [4, 4, 8, 1, 22, 13],
  ];
  const vars = model.trainableVariables();
  const of = (opts: { activationCheckpointing?: boolean; attentionChunk?: number }) => {
    const { value, grads } = tf.variableGrads(() => tf.sum(model.tokenStats(ids, { entropy: true, ...opts }).logProbs) as tf.Scalar, vars);
    const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync()) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const plain = of({});
  for (const opts of [{ attentionChunk: 3 }, { activationCheckpointing: true, attentionChunk: 4 }, { activationCheckpointing: true }]) {
    const r = of(opts);
    close([r.loss], [plain.loss], 1e-6, `loss ${JSON.stringify(opts)}`);
    r.grads.forEach((g, i) => close(g, plain.grads[i], 1e-5, `${vars[i].name} ${JSON.stringify(opts)}`));
  }
  model.dispose();
});
