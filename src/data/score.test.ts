import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPredictionsJsonl, scorePredictions } from './score';
import type { QaRow } from './qa';

const DATA: QaRow[] = [
  { id: 'q0', question: 'a', golden_answers: ['Paris'], data_source: 'nq' },
  { id: 'q1', question: 'b', golden_answers: ['red car', 'crimson car'], data_source: 'nq' },
  { id: 'q0', question: 'c', golden_answers: ['1999'], data_source: 'bamboogle' },
];

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('scorePredictions: per-dataset and overall means, macro average, data_source disambiguates ids', () => {
  const report = scorePredictions(
    [
      { id: 'q0', prediction: 'Paris, France', data_source: 'nq' }, // em 0, cover 1, f1 2/3
      { id: 'q1', prediction: 'the red car', data_source: 'nq' }, // em 1, cover 1, f1 1
      { id: 'q0', prediction: '1999', data_source: 'bamboogle' }, // 1, 1, 1
    ],
    DATA,
  );
  assert.deepEqual(Object.keys(report.per_dataset), ['nq', 'bamboogle']);
  assert.deepEqual(report.per_dataset.nq, { em: 0.5, cover_em: 1, f1: (2 / 3 + 1) / 2, n: 2 });
  assert.deepEqual(report.per_dataset.bamboogle, { em: 1, cover_em: 1, f1: 1, n: 1 });
  close(report.overall.em, 2 / 3);
  close(report.overall.f1, (2 / 3 + 2) / 3);
  assert.equal(report.overall.n, 3);
  close(report.macro_avg.em, 0.75);
  assert.equal(report.missing_predictions, 0);
});

test('scorePredictions: missing predictions policy (error / empty / skip) and null answers', () => {
  const preds = [{ id: 'q1', prediction: 'red car', data_source: 'nq' }, { id: 'q0', prediction: '', data_source: 'bamboogle' }];
  assert.throws(() => scorePredictions(preds, DATA), /data: 1 of 3 row\(s\) have no prediction: nq\/q0 \(use --missing empty/);
  const empty = scorePredictions(preds, DATA, { missing: 'empty' });
  assert.deepEqual(empty.per_dataset.nq, { em: 0.5, cover_em: 0.5, f1: 0.5, n: 2 });
  assert.equal(empty.missing_predictions, 1);
  const skip = scorePredictions(preds, DATA, { missing: 'skip' });
  assert.deepEqual(skip.per_dataset.nq, { em: 1, cover_em: 1, f1: 1, n: 1 });
  assert.equal(skip.overall.n, 2);
});

test('scorePredictions: unknown, ambiguous and duplicate predictions are errors', () => {
  assert.throws(() => scorePredictions([{ id: 'q9', prediction: 'x' }], DATA, { missing: 'skip' }), /1 id\(s\) not found in the data: q9/);
  assert.throws(() => scorePredictions([{ id: 'q0', prediction: 'x' }], DATA, { missing: 'skip' }), /id "q0" is in several datasets \(nq, bamboogle\)/);
  // Without data_source an id that is unique across datasets is fine.
  assert.equal(scorePredictions([{ id: 'q1', prediction: 'red car' }], DATA, { missing: 'skip' }).overall.em, 1);
  assert.throws(
    () => scorePredictions([{ id: 'q1', prediction: 'a' }, { id: 'q1', prediction: 'b', data_source: 'nq' }], DATA, { missing: 'skip' }),
    /more than one prediction for nq\/q1/,
  );
});

test('loadPredictionsJsonl: null prediction is the empty answer; errors name file:line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-score-'));
  try {
    const file = path.join(dir, 'pred.jsonl');
    fs.writeFileSync(file, '{"id": "q0", "prediction": null, "data_source": "nq"}\n{"id": 5, "prediction": "x"}\n');
    assert.deepEqual(loadPredictionsJsonl(file), [{ id: 'q0', prediction: '', data_source: 'nq' }, { id: '5', prediction: 'x' }]);
    fs.writeFileSync(file, '{"id": "q0", "prediction": "x"}\n{"id": "q1"}\n');
    assert.throws(() => loadPredictionsJsonl(file), /pred\.jsonl:2: missing field "prediction"/);
    fs.writeFileSync(file, '{"prediction": "x"}\n');
    assert.throws(() => loadPredictionsJsonl(file), /pred\.jsonl:1: missing or bad field "id"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
