import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedPath, sharedSkip } from '../util';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = sharedPath('data');

function firstLines(file: string, n: number): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, n).join('\n') + '\n';
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/zerosearch.js'), 'score', ...args], { encoding: 'utf8', env: { ...process.env, ZS_QUIET: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('zerosearch score on real NQ and Bamboogle rows (hand-computed scores)', { skip: sharedSkip('data') }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-score-cli-'));
  try {
    // Data files in FlashRAG's layout: the folder name is the data_source. Both sets have ids test_0..
    for (const [name, n] of [
      ['nq', 4],
      ['bamboogle', 3],
    ] as const) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'test.jsonl'), firstLines(path.join(SHARED, name, 'test.jsonl'), n));
    }
    const preds = [
      { id: 'test_0', data_source: 'nq', prediction: 'Wilhelm Conrad Röntgen.' }, // gold "Wilhelm Conrad Röntgen": 1, 1, 1
      { id: 'test_1', data_source: 'nq', prediction: 'May 18' }, // gold "May 18, 2018": 0, 0, F1 2·1·(2/3)/(5/3) = 0.8
      { id: 'test_2', data_source: 'nq', prediction: 'the MFSK mode' }, // golds Olivia / MFSK: 0, 1, 2/3
      // nq test_3 has no prediction
      { id: 'test_0', data_source: 'bamboogle', prediction: 'James Madison' }, // 1, 1, 1
      { id: 'test_1', data_source: 'bamboogle', prediction: 'Titan' }, // gold "Titan IIIE": 0, 0, 2/3
      { id: 'test_2', data_source: 'bamboogle', prediction: null }, // gold "1999": 0, 0, 0
    ];
    const pred = path.join(dir, 'pred.jsonl');
    fs.writeFileSync(pred, preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const data = [path.join(dir, 'nq/test.jsonl'), path.join(dir, 'bamboogle/test.jsonl')];

    const strict = run(['--pred', pred, '--data', ...data]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /zerosearch: data: 1 of 7 row\(s\) have no prediction: nq\/test_3/);

    const out = path.join(dir, 'report.json');
    const ok = run(['--pred', pred, '--data', ...data, '--missing', 'empty', '--out', out]);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), report);
    const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
    near(report.per_dataset.nq.em, 1 / 4, 'nq em');
    near(report.per_dataset.nq.cover_em, 2 / 4, 'nq cover_em');
    near(report.per_dataset.nq.f1, (1 + 0.8 + 2 / 3 + 0) / 4, 'nq f1');
    assert.equal(report.per_dataset.nq.n, 4);
    near(report.per_dataset.bamboogle.em, 1 / 3, 'bamboogle em');
    near(report.per_dataset.bamboogle.f1, (1 + 2 / 3 + 0) / 3, 'bamboogle f1');
    near(report.overall.em, 2 / 7, 'overall em');
    near(report.overall.cover_em, 3 / 7, 'overall cover_em');
    near(report.macro_avg.em, (1 / 4 + 1 / 3) / 2, 'macro em');
    assert.equal(report.missing_predictions, 1);

    // A prediction for an id the data does not have.
    fs.appendFileSync(pred, JSON.stringify({ id: 'test_99', data_source: 'nq', prediction: 'x' }) + '\n');
    const extra = run(['--pred', pred, '--data', ...data, '--missing', 'empty']);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /1 id\(s\) not found in the data: nq\/test_99/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
