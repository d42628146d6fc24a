import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noiseProbability, exponentialSchedule, constantSchedule, linearSchedule, stepSchedule } from './curriculum';

// Spec §5 worked values (b = 4, m = 203), copied from the spec's table.
const WORKED: Array<[number, number, number, number, number]> = [
  // step, (0→0.5), (0→0.25), (0→0.75), (0.25→0.5)
  [1, 0.0011, 0.0006, 0.0017, 0.2506],
  [50, 0.0678, 0.0339, 0.1017, 0.2839],
  [100, 0.1633, 0.0816, 0.2449, 0.3316],
  [150, 0.2975, 0.1488, 0.4463, 0.3988],
  [202, 0.4955, 0.2477, 0.7432, 0.4977],
];
const COLUMNS = [
  { start: 0, end: 0.5 },
  { start: 0, end: 0.25 },
  { start: 0, end: 0.75 },
  { start: 0.25, end: 0.5 },
];

test('noiseProbability matches the spec worked-values table to 4 decimals (all four columns)', () => {
  for (const [step, ...expected] of WORKED) {
    COLUMNS.forEach((c, j) => {
      const p = noiseProbability(step, 203, c);
      assert.equal(p.toFixed(4), expected[j].toFixed(4), `step ${step}, ${c.start}→${c.end}`);
    });
  }
});

test('noiseProbability: endpoints, 1-based convention, explicit base', () => {
  const c = { start: 0.1, end: 0.7 };
  assert.equal(noiseProbability(0, 203, c), 0.1);
  assert.equal(noiseProbability(203, 203, c), 0.7);
  assert.equal(noiseProbability(500, 203, c), 0.7);
  // Half way with base b: (sqrt(b) - 1)/(b - 1) = 1/(sqrt(b)+1); b = 4 ⇒ 1/3, b = 9 ⇒ 1/4.
  assert.ok(Math.abs(noiseProbability(100, 200, { start: 0, end: 1 }) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(noiseProbability(100, 200, { start: 0, end: 1, base: 9 }) - 1 / 4) < 1e-12);
  // Decreasing schedules are allowed.
  assert.ok(Math.abs(noiseProbability(100, 200, { start: 1, end: 0 }) - 2 / 3) < 1e-12);
});

test('exponential schedule is monotone and convex (slow start, steep end)', () => {
  const s = exponentialSchedule({ start: 0, end: 0.5 });
  const ps = Array.from({ length: 204 }, (_, i) => s(i, 203));
  for (let i = 1; i < ps.length; i++) assert.ok(ps[i] >= ps[i - 1]);
  for (let i = 1; i < ps.length - 1; i++) assert.ok(ps[i + 1] - ps[i] >= ps[i] - ps[i - 1] - 1e-15);
});

test('bad inputs are rejected with the input named', () => {
  assert.throws(() => noiseProbability(1, 0, { start: 0, end: 0.5 }), /totalSteps/);
  assert.throws(() => noiseProbability(-1, 10, { start: 0, end: 0.5 }), /step/);
  assert.throws(() => noiseProbability(1, 10, { start: 0, end: 1.5 }), /end/);
  assert.throws(() => noiseProbability(1, 10, { start: 0, end: 0.5, base: 1 }), /base/);
  assert.throws(() => exponentialSchedule({ start: -0.1, end: 0.5 }), /start/);
  assert.throws(() => constantSchedule(2), /p/);
  assert.throws(() => stepSchedule({ boundaries: [0.5], values: [0.1] }), /values.length/);
  assert.throws(() => stepSchedule({ boundaries: [0.6, 0.4], values: [0, 0.1, 0.2] }), /increasing/);
});

test('constant, linear and step schedules', () => {
  const random = constantSchedule(0.5);
  assert.deepEqual(
    [1, 100, 203].map((i) => random(i, 203)),
    [0.5, 0.5, 0.5],
  );
  const lin = linearSchedule({ start: 0.2, end: 0.6 });
  assert.ok(Math.abs(lin(50, 100) - 0.4) < 1e-12);
  assert.equal(lin(100, 100), 0.6);
  assert.equal(lin(300, 100), 0.6);
  const st = stepSchedule({ boundaries: [0.25, 0.75], values: [0, 0.3, 0.6] });
  assert.deepEqual(
    [0, 24, 25, 74, 75, 100].map((i) => st(i, 100)),
    [0, 0, 0.3, 0.3, 0.6, 0.6],
  );
});
