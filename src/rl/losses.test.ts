import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { policyLoss, klPenalty, klLoss, entropyFromLogits, entropyLoss, valueLoss, combineLoss, aggregateTokens } from './losses';

before(async () => {
  await initBackend();
});

const close = (a: number, b: number, tol = 1e-5, msg = '') => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);
const num = (t: tf.Tensor) => t.dataSync()[0];

// A toy batch: 2 sequences × 4 tokens. Row 0 has 3 policy tokens, row 1 has 1.
const LP = [
  [-1.0, -2.0, -0.5, -3.0],
  [-0.7, -1.1, -0.2, -0.9],
];
const OLD = [
  [-1.2, -2.0, -0.1, -3.0],
  [-0.2, -1.3, -0.2, -0.9],
];
const ADV = [
  [1.0, -1.0, 2.0, 5.0],
  [-0.5, 3.0, 1.0, 1.0],
];
const MASK = [
  [1, 1, 1, 0],
  [1, 0, 0, 0],
];

/** Independent scalar reference for the clipped surrogate per token. */
function refTokenLoss(lp: number, old: number, a: number, eps = 0.2) {
  const r = Math.exp(lp - old);
  const rc = Math.min(Math.max(r, 1 - eps), 1 + eps);
  return { loss: Math.max(-a * r, -a * rc), clipped: -a * rc > -a * r ? 1 : 0, kl: old - lp };
}

function refAggregate(values: number[][], mode: 'token-mean' | 'seq-mean-token-mean') {
  const rows = values.map((row, i) => row.filter((_, t) => MASK[i][t] === 1));
  if (mode === 'token-mean') {
    const all = rows.flat();
    return all.reduce((s, v) => s + v, 0) / all.length;
  }
  const means = rows.filter((r) => r.length > 0).map((r) => r.reduce((s, v) => s + v, 0) / r.length);
  return means.reduce((s, v) => s + v, 0) / means.length;
}

test('policyLoss matches a hand computation (token-mean and seq-mean-token-mean)', () => {
  const per = LP.map((row, i) => row.map((lp, t) => refTokenLoss(lp, OLD[i][t], ADV[i][t])));
  for (const mode of ['token-mean', 'seq-mean-token-mean'] as const) {
    tf.tidy(() => {
      const out = policyLoss({
        logProbs: tf.tensor2d(LP),
        oldLogProbs: tf.tensor2d(OLD),
        advantages: tf.tensor2d(ADV),
        mask: tf.tensor2d(MASK),
        aggregation: mode,
      });
      close(
        num(out.loss),
        refAggregate(
          per.map((r) => r.map((x) => x.loss)),
          mode,
        ),
        1e-5,
        mode,
      );
      close(
        num(out.clipFraction),
        refAggregate(
          per.map((r) => r.map((x) => x.clipped)),
          'token-mean',
        ),
      );
      close(
        num(out.approxKl),
        refAggregate(
          per.map((r) => r.map((x) => x.kl)),
          'token-mean',
        ),
      );
    });
  }
  // The two aggregations really differ on this batch (lengths 3 vs 1).
  const tm = refAggregate(
    per.map((r) => r.map((x) => x.loss)),
    'token-mean',
  );
  const sm = refAggregate(
    per.map((r) => r.map((x) => x.loss)),
    'seq-mean-token-mean',
  );
  assert.ok(Math.abs(tm - sm) > 0.05);
});

test('masked tokens do not affect the loss, whatever they hold (including -Infinity and NaN)', () => {
  tf.tidy(() => {
    const base = num(policyLoss({ logProbs: tf.tensor2d(LP), oldLogProbs: tf.tensor2d(OLD), advantages: tf.tensor2d(ADV), mask: tf.tensor2d(MASK) }).loss);
    const junk = (x: number[][], v: number) => x.map((row, i) => row.map((a, t) => (MASK[i][t] ? a : v)));
    for (const v of [1e6, -Infinity, NaN]) {
      const l = num(
        policyLoss({
          logProbs: tf.tensor2d(junk(LP, v)),
          oldLogProbs: tf.tensor2d(junk(OLD, -v)),
          advantages: tf.tensor2d(junk(ADV, v)),
          mask: tf.tensor2d(MASK),
        }).loss,
      );
      close(l, base, 1e-6, `junk ${v}`);
    }
    const k = num(klLoss({ logProbs: tf.tensor2d(junk(LP, -Infinity)), refLogProbs: tf.tensor2d(junk(OLD, NaN)), mask: tf.tensor2d(MASK) }));
    close(k, num(klLoss({ logProbs: tf.tensor2d(LP), refLogProbs: tf.tensor2d(OLD), mask: tf.tensor2d(MASK) })));
    assert.equal(num(aggregateTokens(tf.tensor2d([[5, 6]]), tf.tensor2d([[0, 0]]))), 0, 'empty mask gives 0');
  });
});

test('gradient flows only through mask-1 tokens and equals −A·r/N where unclipped', () => {
  const before = tf.memory().numTensors;
  const mask = tf.tensor2d(MASK);
  const old = tf.tensor2d(OLD);
  const adv = tf.tensor2d(ADV);
  const ref = tf.tensor2d([
    [-1.5, -1.0, -0.5, -2.0],
    [-0.4, -1.0, -1.0, -1.0],
  ]);
  // Padding log-probs of -Infinity must not turn gradients into NaN.
  const lp = tf.tensor2d(LP.map((row, i) => row.map((v, t) => (MASK[i][t] ? v : -Infinity))));
  const g = tf.grad((lp: tf.Tensor) => {
    const pg = policyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, mask }).loss;
    const kl = klLoss({ logProbs: lp, refLogProbs: ref, mask });
    return combineLoss({ pg, kl, klCoef: 0.1 });
  })(lp);
  const grad = g.arraySync() as number[][];
  const n = 4;
  grad.forEach((row, i) =>
    row.forEach((v, t) => {
      assert.ok(Number.isFinite(v), `grad[${i}][${t}] finite`);
      if (!MASK[i][t]) assert.equal(v, 0, `grad[${i}][${t}] must be 0 off-mask`);
    }),
  );
  // Independent reference per policy token: d/dlp of (pg + 0.1·k3) / n.
  const refArr = ref.arraySync() as number[][];
  MASK.forEach((row, i) =>
    row.forEach((m, t) => {
      if (!m) return;
      const { clipped } = refTokenLoss(LP[i][t], OLD[i][t], ADV[i][t]);
      const r = Math.exp(LP[i][t] - OLD[i][t]);
      const dPg = clipped ? 0 : -ADV[i][t] * r;
      const dK3 = 1 - Math.exp(refArr[i][t] - LP[i][t]); // d/dlp [e^(ref−lp) − (ref−lp) − 1]
      close(grad[i][t], (dPg + 0.1 * dK3) / n, 1e-5, `grad[${i}][${t}]`);
    }),
  );
  tf.dispose([mask, old, adv, ref, lp, g]);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
});

test('klPenalty: k1 and low_var_kl (k3, clamped to [-10, 10])', () => {
  tf.tidy(() => {
    const lp = tf.tensor1d([-1, 0, -20, -0.3]);
    const ref = tf.tensor1d([-1.5, -20, 0, -0.3]);
    assert.deepEqual(
      Array.from(klPenalty(lp, ref, 'k1').dataSync()).map((x) => +x.toFixed(5)),
      [0.5, 20, -20, 0],
    );
    const k3 = Array.from(klPenalty(lp, ref, 'low_var_kl').dataSync());
    close(k3[0], Math.exp(-0.5) + 0.5 - 1); // 0.10653
    close(k3[1], 10); // e^-20 + 20 − 1 ≈ 19 → clamped
    close(k3[2], 10); // e^20 − 21 → clamped
    close(k3[3], 0);
    assert.throws(() => klPenalty(lp, ref, 'k2' as never), /kind/);
  });
});

test('entropyFromLogits and entropyLoss', () => {
  tf.tidy(() => {
    const logits = tf.tensor3d([
      [
        [0, 0, 0, 0],
        [Math.log(0.7), Math.log(0.2), Math.log(0.1), -Infinity],
      ],
    ]);
    const h = Array.from(entropyFromLogits(logits.slice([0, 0, 0], [1, 1, 4])).dataSync());
    close(h[0], Math.log(4));
    const p = [0.7, 0.2, 0.1];
    const h2 = entropyFromLogits(tf.tensor3d([[[Math.log(0.7), Math.log(0.2), Math.log(0.1)]]])).dataSync()[0];
    close(h2, -p.reduce((s, q) => s + q * Math.log(q), 0));
    close(num(entropyLoss(tf.tensor2d([[1, 2, 100]]), tf.tensor2d([[1, 1, 0]]))), 1.5);
  });
});

test('valueLoss: clipped critic loss, hand-computed', () => {
  tf.tidy(() => {
    // token 0: v moved 1.0 from old (clip to 0.5): l1 = (1.0−0)² = 1, l2 = (0.5−0)² = 0.25 → 1 (not clipped)
    // token 1: v = 0.2, old = 1.0 → clipped 0.5, ret = 0: l1 = 0.04, l2 = 0.25 → 0.25 (clipped)
    // token 2: masked
    const out = valueLoss({
      values: tf.tensor2d([[1.0, 0.2, 9]]),
      oldValues: tf.tensor2d([[0, 1.0, 0]]),
      returns: tf.tensor2d([[0, 0, 0]]),
      mask: tf.tensor2d([[1, 1, 0]]),
    });
    close(num(out.loss), (0.5 * (1 + 0.25)) / 2);
    close(num(out.clipFraction), 0.5);
  });
});

test('combineLoss: KL sign is a penalty by default; the released-code bug subtracts it', () => {
  tf.tidy(() => {
    const pg = tf.scalar(0.3);
    const kl = tf.scalar(2);
    const entropy = tf.scalar(1.5);
    close(num(combineLoss({ pg, kl, entropy })), 0.3 - 0.001 * 1.5 + 0.001 * 2);
    close(num(combineLoss({ pg, kl, entropy, klSign: 'subtract-released-code-bug' })), 0.3 - 0.001 * 1.5 - 0.001 * 2);
    close(num(combineLoss({ pg, kl, klCoef: 0.5, entropyCoef: 0 })), 1.3);
    close(num(combineLoss({ pg })), 0.3);
    assert.throws(() => combineLoss({ pg, kl, klSign: 'minus' as never }), /klSign/);
  });
  // Under the correct sign, a gradient step on the combined loss moves logπ toward the reference.
  const lp = tf.variable(tf.tensor2d([[-0.5]]));
  const ref = tf.tensor2d([[-1.5]]);
  const mask = tf.tensor2d([[1]]);
  const stepKl = (klSign: 'add' | 'subtract-released-code-bug') =>
    tf.tidy(() => {
      const g = tf.grad((x: tf.Tensor) => combineLoss({ pg: tf.scalar(0), kl: klLoss({ logProbs: x, refLogProbs: ref, mask }), klSign }))(lp);
      return num(g);
    });
  assert.ok(stepKl('add') > 0, 'd loss / d logπ > 0: descending lowers logπ toward ref');
  assert.ok(stepKl('subtract-released-code-bug') < 0, 'bug pushes logπ away from ref');
  tf.dispose([lp, ref, mask]);
});

test('shape mismatch between mask and tensors is an error', () => {
  tf.tidy(() => {
    assert.throws(
      () => policyLoss({ logProbs: tf.zeros([2, 3]), oldLogProbs: tf.zeros([2, 3]), advantages: tf.zeros([2, 3]), mask: tf.ones([2, 4]) }),
      /mask: shape/,
    );
    assert.throws(() => aggregateTokens(tf.zeros([2]), tf.ones([2]), 'seq-mean-token-mean'), /rank/);
  });
});
