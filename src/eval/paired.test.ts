import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapInterval, pairedDifference, seedSetMean } from './paired';

test('seedSetMean: mean over seeds of the unweighted mean over sets', () => {
  // seed 0: sets {1, 0, 0, 1} → 0.5 and {1} → 1 → 0.75; seed 1: {0,0,0,0} → 0 and {0} → 0 → 0
  assert.equal(
    seedSetMean([
      [[1, 0, 0, 1], [1]],
      [[0, 0, 0, 0], [0]],
    ]),
    0.375,
  );
});

test('bootstrapInterval: hand-computed case, one seed, one set, differences {0, 1}', () => {
  // A resample of two questions has mean 0 (p 1/4), 0.5 (p 1/2) or 1 (p 1/4): the 2.5% point is 0, the 97.5% point 1,
  // and the bootstrap s.e. is sqrt(0.125) (the variance of a two-draw mean of a Bernoulli(1/2)).
  const iv = bootstrapInterval([[[0, 1]]], { replicates: 4000, seed: 3 });
  assert.equal(iv.estimate, 0.5);
  assert.equal(iv.low, 0);
  assert.equal(iv.high, 1);
  assert.ok(Math.abs(iv.se - Math.sqrt(0.125)) < 0.02, `se ${iv.se}`);
});

test('bootstrapInterval: a constant difference has a zero-width interval', () => {
  const iv = bootstrapInterval(
    [
      [[0.2, 0.2, 0.2], [0.2]],
      [[0.2, 0.2, 0.2], [0.2]],
    ],
    { replicates: 200 },
  );
  for (const x of [iv.estimate, iv.low, iv.high]) assert.ok(Math.abs(x - 0.2) < 1e-12, `${x}`);
  assert.ok(iv.se < 1e-12);
});

test('bootstrapInterval: matches the normal approximation on a large single-seed sample', () => {
  // 400 differences, 120 of +1, 80 of −1, the rest 0: mean 0.1, sd sqrt(0.5 − 0.01), s.e. sd/20.
  const xs = [...Array(120).fill(1), ...Array(80).fill(-1), ...Array(200).fill(0)];
  const iv = bootstrapInterval([[xs]], { replicates: 3000, seed: 1 });
  const se = Math.sqrt(0.49 * (399 / 400)) / 20;
  assert.ok(Math.abs(iv.se - se) / se < 0.08, `se ${iv.se} vs ${se}`);
  assert.ok(Math.abs(iv.low - (0.1 - 1.96 * se)) < 0.01 && Math.abs(iv.high - (0.1 + 1.96 * se)) < 0.01, `${iv.low}, ${iv.high}`);
});

test('bootstrapInterval: seed-to-seed spread widens the interval', () => {
  const oneSeed = bootstrapInterval([[[0, 1, 0, 1, 0, 1, 0, 1]]], { seed: 2 });
  const spread = bootstrapInterval([[[0, 1, 0, 1, 0, 1, 0, 1]], [[1, 1, 1, 1, 1, 1, 1, 1]], [[0, 0, 0, 0, 0, 0, 0, 0]]], { seed: 2 });
  assert.ok(spread.high - spread.low > oneSeed.high - oneSeed.low);
});

test('pairedDifference subtracts question by question and refuses misaligned inputs', () => {
  assert.deepEqual(pairedDifference([[[1, 0], [1]]], [[[0, 0], [1]]]), [[[1, 0], [0]]]);
  assert.throws(() => pairedDifference([[[1, 0]]], [[[1]]]), /same questions|questions/);
  assert.throws(() => bootstrapInterval([[[1, 0]], [[1]]]), /same questions/);
  assert.throws(() => bootstrapInterval([]), /no seeds/);
});
