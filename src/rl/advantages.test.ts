import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeAdvantages, maskedWhiten, AdvantageEstimator } from './advantages';
import { Rng } from '../util/rng';

const close = (a: number, b: number, tol = 1e-9, msg = '') => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);
const closeRows = (a: number[][], b: number[][], tol = 1e-9) => {
  // Lengths first: iterating `a` alone would let a short or missing row pass.
  assert.deepEqual(
    a.map((row) => row.length),
    b.map((row) => row.length),
    'row lengths',
  );
  a.forEach((row, i) => row.forEach((v, t) => close(v, b[i][t], tol, `[${i}][${t}]`)));
};

/** Random batch: groups of `k` rollouts, ragged rows mixing policy (1) and env (0) tokens. */
function randomBatch(seed: number, groups = 6, k = 5) {
  const rng = new Rng(seed);
  const mask: number[][] = [];
  const rewards: number[] = [];
  const groupIds: number[] = [];
  const values: number[][] = [];
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < k; j++) {
      const len = 3 + rng.int(12);
      const row = Array.from({ length: len }, () => (rng.next() < 0.7 ? 1 : 0));
      row[len - 1] = 1; // a response ends with a policy token
      mask.push(row);
      values.push(row.map(() => rng.normal()));
      rewards.push(rng.next() < 0.3 ? 0 : Math.round(rng.next() * 4) / 4);
      groupIds.push(g);
    }
  }
  return { mask, rewards, groupIds, values };
}

function maskedStats(x: number[][], mask: number[][]) {
  const v: number[] = [];
  mask.forEach((row, i) => row.forEach((m, t) => m === 1 && v.push(x[i][t])));
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / (v.length - 1);
  return { mean, variance };
}

test('reinforce: raw reward on every policy token, zeros elsewhere', () => {
  const { advantages } = computeAdvantages({
    estimator: 'reinforce',
    rewards: [0.5, 1],
    mask: [
      [0, 1, 1, 0],
      [1, 0, 1],
    ],
  });
  assert.deepEqual(advantages, [
    [0, 0.5, 0.5, 0],
    [1, 0, 1],
  ]);
});

test('grpo: hand-computed groups, singleton and constant groups', () => {
  const mask = [[1, 1], [1, 0], [0, 1], [1], [1], [1]];
  const { advantages } = computeAdvantages({
    estimator: 'grpo',
    rewards: [1, 0, 0.5, 0.3, 0.7, 0.7],
    mask,
    groupIds: ['a', 'a', 'a', 'b', 'c', 'c'],
  });
  // group a: mean 0.5, unbiased std sqrt((0.25 + 0.25 + 0)/2) = 0.5
  const s = 0.5 / (0.5 + 1e-6);
  closeRows(advantages, [[s, s], [-s, 0], [0, 0], [0.3 / (1 + 1e-6)], [0], [0]]);
});

test('rloo: leave-one-out baseline, hand-computed', () => {
  const { advantages } = computeAdvantages({
    estimator: 'rloo',
    rewards: [1, 0, 0.5, 0.4],
    mask: [[1], [1], [1, 1], [1, 0]],
    groupIds: [7, 7, 7, 8],
  });
  // A0 = 1 − (0 + 0.5)/2, A1 = 0 − 0.75, A2 = 0.5 − 0.5, singleton keeps its reward
  closeRows(advantages, [[0.75], [-0.75], [0, 0], [0.4, 0]]);
});

test('reinforce++: return-to-go over policy tokens, whitened over the batch', () => {
  const mask = [
    [1, 1, 0, 1],
    [0, 1, 1],
  ];
  const out = computeAdvantages({ estimator: 'reinforce++', rewards: [1, 0], mask });
  assert.deepEqual(out.returns, [
    [1, 1, 0, 1],
    [0, 0, 0],
  ]);
  // 5 policy values {1,1,1,0,0}: mean 0.6, unbiased var (3·0.16 + 2·0.36)/4 = 0.3
  const sd = Math.sqrt(0.3 + 1e-8);
  closeRows(out.advantages, [
    [0.4 / sd, 0.4 / sd, 0, 0.4 / sd],
    [0, -0.6 / sd, -0.6 / sd],
  ]);
  // γ < 1 discounts per policy token, skipping the env tokens at 1 and 2.
  const disc = computeAdvantages({ estimator: 'reinforce++', rewards: [1], mask: [[1, 0, 0, 1, 1]], gamma: 0.5 });
  assert.deepEqual(disc.returns, [[0.25, 0, 0, 0.5, 1]]);
});

test('gae: hand-computed γ = 0.9, λ = 0.8, value at the env token ignored', () => {
  const out = computeAdvantages({
    estimator: 'gae',
    rewards: [1],
    mask: [[1, 0, 1, 1]],
    values: [[0.2, 9, 0.5, 0.4]],
    gamma: 0.9,
    lambda: 0.8,
  });
  // policy steps (positions 0, 2, 3), rewards (0, 0, 1):
  //   δ3 = 1 − 0.4 = 0.6;  δ2 = 0.9·0.4 − 0.5 = −0.14;  δ0 = 0.9·0.5 − 0.2 = 0.25
  //   A3 = 0.6;  A2 = −0.14 + 0.72·0.6 = 0.292;  A0 = 0.25 + 0.72·0.292 = 0.46024
  const raw = [[0.46024, 0, 0.292, 0.6]];
  closeRows(out.returns!, [[0.66024, 0, 0.792, 1.0]]);
  closeRows(out.advantages, maskedWhiten(raw, [[1, 0, 1, 1]]));
  const { mean, variance } = maskedStats(out.advantages, [[1, 0, 1, 1]]);
  close(mean, 0, 1e-12);
  close(variance, 1, 1e-6);
});

test('gae with γ = λ = 1 equals the all-token computation of the released code (A = R − V)', () => {
  const { mask, rewards, values } = randomBatch(3);
  const out = computeAdvantages({ estimator: 'gae', rewards, mask, values });
  // Reference: veRL GAE over *all* response tokens, reward on the last token, values at env tokens used.
  const refRaw = mask.map((row, i) => {
    const T = row.length;
    const adv = new Array<number>(T).fill(0);
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const r = t === T - 1 ? rewards[i] : 0;
      const next = t < T - 1 ? values[i][t + 1] : 0;
      last = r + next - values[i][t] + last;
      adv[t] = last;
    }
    return adv;
  });
  mask.forEach((row, i) => row.forEach((m, t) => m === 1 && close(out.returns![i][t], rewards[i], 1e-9)));
  closeRows(out.advantages, maskedWhiten(refRaw, mask), 1e-9);
});

test('gae tokenRewards (in-reward KL) are added per policy token before discounting', () => {
  const mask = [[1, 1, 0, 1]];
  const out = computeAdvantages({
    estimator: 'gae',
    rewards: [1],
    mask,
    values: [[0, 0, 0, 0]],
    tokenRewards: [[-0.1, -0.2, 5, -0.3]],
  });
  // γ = λ = 1, V = 0: returns are the sums of remaining rewards; the env token's 5 is ignored.
  closeRows(out.returns!, [[0.4, 0.5, 0, 0.7]]);
});

test('invariants on random batches: zeros off-mask, group means, whitening', () => {
  for (const seed of [1, 2, 3, 4]) {
    const b = randomBatch(seed);
    const all = (estimator: AdvantageEstimator) => computeAdvantages({ estimator, ...b });
    for (const est of ['reinforce', 'grpo', 'rloo', 'reinforce++', 'gae'] as const) {
      const { advantages } = all(est);
      b.mask.forEach((row, i) => row.forEach((m, t) => m === 0 && assert.equal(advantages[i][t], 0, `${est} off-mask`)));
      assert.equal(advantages.length, b.mask.length);
    }
    // Per-trajectory scalar of grpo/rloo: the value on its last (policy) token.
    const scalar = (a: number[][]) => a.map((row) => row[row.length - 1]);
    const grpo = scalar(all('grpo').advantages);
    const rloo = scalar(all('rloo').advantages);
    for (let g = 0; g < 6; g++) {
      const idx = b.groupIds.map((id, i) => (id === g ? i : -1)).filter((i) => i >= 0);
      close(
        idx.reduce((s, i) => s + grpo[i], 0),
        0,
        1e-9,
        'grpo group sum',
      );
      close(
        idx.reduce((s, i) => s + rloo[i], 0),
        0,
        1e-9,
        'rloo group sum',
      );
      const rs = idx.map((i) => b.rewards[i]);
      const m = rs.reduce((s, r) => s + r, 0) / rs.length;
      const sd = Math.sqrt(rs.reduce((s, r) => s + (r - m) ** 2, 0) / (rs.length - 1));
      if (sd > 0) {
        const gs = idx.map((i) => grpo[i]);
        close(Math.sqrt(gs.reduce((s, a) => s + a * a, 0) / (gs.length - 1)), sd / (sd + 1e-6), 1e-9, 'grpo group std');
      }
      // rloo = n/(n−1) · (R − group mean)
      idx.forEach((i) => close(rloo[i], (rs.length / (rs.length - 1)) * (b.rewards[i] - m), 1e-9));
    }
    for (const est of ['reinforce++', 'gae'] as const) {
      const { mean, variance } = maskedStats(all(est).advantages, b.mask);
      close(mean, 0, 1e-9, `${est} mean`);
      close(variance, 1, 1e-6, `${est} variance`);
    }
    // reinforce++ with γ = 1: the return on every policy token is the trajectory's reward.
    const rpp = all('reinforce++').returns!;
    b.mask.forEach((row, i) => row.forEach((m, t) => m === 1 && close(rpp[i][t], b.rewards[i])));
  }
});

test('bad inputs name what is wrong', () => {
  const mask = [
    [1, 1],
    [1, 0],
  ];
  assert.throws(() => computeAdvantages({ estimator: 'ppo' as never, rewards: [1, 0], mask }), /estimator/);
  assert.throws(() => computeAdvantages({ estimator: 'reinforce', rewards: [1], mask }), /rewards/);
  assert.throws(() => computeAdvantages({ estimator: 'reinforce', rewards: [1, NaN], mask }), /rewards\[1\]/);
  assert.throws(() => computeAdvantages({ estimator: 'reinforce', rewards: [1, 0], mask: [[1, 2], [1]] }), /mask\[0\]\[1\]/);
  assert.throws(() => computeAdvantages({ estimator: 'grpo', rewards: [1, 0], mask }), /groupIds/);
  assert.throws(() => computeAdvantages({ estimator: 'gae', rewards: [1, 0], mask }), /values/);
  assert.throws(() => computeAdvantages({ estimator: 'gae', rewards: [1, 0], mask, values: [[0, 0], [0]] }), /values\[1\]/);
  assert.throws(
    () =>
      computeAdvantages({
        estimator: 'grpo',
        rewards: [1, 0],
        mask,
        groupIds: [0, 0],
        tokenRewards: [
          [0, 0],
          [0, 0],
        ],
      }),
    /tokenRewards/,
  );
  assert.throws(() => computeAdvantages({ estimator: 'reinforce++', rewards: [1, 0], mask, gamma: 1.5 }), /gamma/);
  assert.throws(() => computeAdvantages({ estimator: 'reinforce++', rewards: [1], mask: [[1, 0]] }), /at least 2 policy tokens/);
});
