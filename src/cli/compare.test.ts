import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/zerosearch.js'), 'compare', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ZS_QUIET: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('zerosearch compare averages seed tables and writes the figure HTML', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-compare-cli-'));
  const seedFiles = [40, 50].map((nq, i) => {
    const file = path.join(dir, `seed${i}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        caption: 'micro',
        columns: ['NQ', 'PopQA'],
        rows: [{ method: 'ZeroSearch', model: 'micro', values: { NQ: nq, PopQA: null }, seeds: [i] }],
      }),
    );
    return file;
  });
  const out = path.join(dir, 'fig', 'table3');
  const r = run([
    '--ours',
    ...seedFiles,
    '--paper',
    'table3_main_results_v2',
    '--model',
    'Qwen-2.5-3B-Base',
    '--method',
    'ZeroSearch-base',
    '--no-png',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [`${out}-mean.json`, `${out}-mean.csv`, `${out}.html`]);
  const mean = JSON.parse(fs.readFileSync(`${out}-mean.json`, 'utf8'));
  assert.equal(mean.rows[0].values.NQ, 45);
  assert.ok(Math.abs(mean.rows[0].std.NQ - Math.sqrt(50)) < 1e-12);
  const html = fs.readFileSync(`${out}.html`, 'utf8');
  assert.ok(html.includes('ZeroSearch-base (Qwen-2.5-3B-Base) \\u2014 paper'));

  const bad = run(['--ours', seedFiles[0], '--paper', 'table99', '--no-png', '--out', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--paper table99: no such table \(have table3_main_results_v2,/);
});
