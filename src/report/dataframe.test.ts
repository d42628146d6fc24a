import test from 'node:test';
import assert from 'node:assert/strict';
import * as util from 'node:util';
import { Frame, metricsToFrame, tableToFrame } from './dataframe';
import type { ResultTable } from './paper-tables';
import type { StepMetrics } from '../rl/trainer';

const table: ResultTable = {
  caption: 'Micro EM',
  columns: ['NQ', 'PopQA', 'Avg'],
  rows: [
    { method: 'ZeroSearch', model: 'tiny', values: { NQ: 41.5, PopQA: null, Avg: null }, std: { NQ: 1.25, PopQA: null, Avg: null } },
    { method: 'Search-R1', model: 'tiny', values: { NQ: 38, PopQA: 20.5, Avg: 29.25 } },
  ],
};

function step(n: number): StepMetrics {
  return {
    step: n,
    reward: 0.1 * n,
    em: 0.1 * n,
    searchesPerTrajectory: 1,
    validActionRatio: 1,
    finishRatio: 1,
    responseLength: 20,
    policyTokens: 100,
    noiseProbability: null,
    noisyFraction: null,
    pgLoss: -0.5,
    kl: null,
    entropy: 2,
    clipFraction: 0,
    approxKl: 0,
    gradNorm: 1,
    valueLoss: null,
    lr: 1e-4,
    time: { rollout: 2 * n, prepare: 0.5, update: 1, total: 2 * n + 1.5 },
  };
}

test('a result table becomes a frame with method, model, its columns and null cells kept', () => {
  const f = tableToFrame(table);
  assert.deepEqual(f.columns, ['method', 'model', 'NQ', 'PopQA', 'Avg']);
  assert.deepEqual(f.shape, [2, 5]);
  assert.deepEqual(f.toRecords(), [
    { method: 'ZeroSearch', model: 'tiny', NQ: 41.5, PopQA: null, Avg: null },
    { method: 'Search-R1', model: 'tiny', NQ: 38, PopQA: 20.5, Avg: 29.25 },
  ]);
  assert.deepEqual(f.column('PopQA'), [null, 20.5]);
  assert.throws(() => f.column('TriviaQA'), /no column "TriviaQA"/);
});

test('std columns are added on request', () => {
  const withStd = tableToFrame(table, { std: true });
  assert.deepEqual(withStd.columns.slice(5), ['NQ_std', 'PopQA_std', 'Avg_std']);
  assert.deepEqual(withStd.column('NQ_std'), [1.25, null]);
});

test('rows that do not match the columns give an error naming the table and the row', () => {
  const keyed: ResultTable = { caption: 'Keyed', columns: ['NQ', 'Avg'], rows: [{ method: 'R1', model: 'tiny', values: { NQ: 40, HotpotQA: 3 } }] };
  assert.throws(() => tableToFrame(keyed), /tableToFrame\("Keyed"\): row 0 \(R1 \/ tiny\) .*missing Avg extra HotpotQA/);
  assert.throws(() => tableToFrame({ caption: 'X' } as unknown as ResultTable), /tableToFrame\("X"\): expected/);
});

test('per-step metrics become one row per step with time.* flattened', () => {
  const f = metricsToFrame([step(1), step(2), step(3)]);
  assert.deepEqual(f.shape[0], 3);
  assert.deepEqual(f.column('step'), [1, 2, 3]);
  for (const c of ['time.rollout', 'time.prepare', 'time.update', 'time.total']) assert.ok(f.columns.includes(c), c);
  assert.ok(!f.columns.includes('time'));
  assert.deepEqual(f.column('time.total'), [3.5, 5.5, 7.5]);
  assert.deepEqual(f.column('kl'), [null, null, null]);
  assert.throws(() => metricsToFrame([step(1), 'oops' as unknown as StepMetrics]), /metricsToFrame: step 1 is "oops"/);
  assert.equal(metricsToFrame([]).shape[0], 0);
});

test('toString aligns columns, toCsv quotes strings and leaves null empty, describe summarises', () => {
  const f = tableToFrame(table);
  const lines = f.toString(1).split('\n');
  assert.equal(lines[0], 'method      model    NQ  PopQA   Avg');
  assert.equal(lines[2], 'ZeroSearch  tiny   41.5   null  null');
  assert.equal(lines[3], 'Search-R1   tiny     38   20.5  29.3');
  assert.equal(util.inspect(f), f.toString());
  assert.equal(f.toCsv(), '"method","model","NQ","PopQA","Avg"\n"ZeroSearch","tiny",41.5,,\n"Search-R1","tiny",38,20.5,29.25\n');
  const d = f.describe();
  assert.deepEqual(d.column('column'), ['NQ', 'PopQA', 'Avg']);
  assert.deepEqual(d.rows[0], { column: 'NQ', count: 2, mean: 39.75, std: Math.sqrt(((41.5 - 39.75) ** 2 + (38 - 39.75) ** 2) / 1), min: 38, max: 41.5 });
  assert.deepEqual(d.rows[1], { column: 'PopQA', count: 1, mean: 20.5, std: null, min: 20.5, max: 20.5 });
  assert.deepEqual(
    f
      .filter((r) => r.NQ === 38)
      .select(['method', 'Avg'])
      .toRecords(),
    [{ method: 'Search-R1', Avg: 29.25 }],
  );
  assert.throws(() => new Frame(['a'], [{ b: 1 }], 'mine'), /mine: row 0 has "b", which is not a column/);
});
