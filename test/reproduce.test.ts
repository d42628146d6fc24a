import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reproduce, testRows, REPRODUCE_PRESETS } from '../src/eval';
import { loadWorld } from '../src/world';
import { validateResultTable, EM_COLUMNS } from '../src/report';
import { readJson, readJsonl } from '../src/util';

test('tiny end-to-end reproduce: every stage, tables that validate, figures, summary; a rerun reuses every stage', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-reproduce-'));
  try {
    const first = await reproduce({ preset: 'tiny', seeds: [3], outDir: out, png: false, quiet: true });
    const seedDir = path.join(out, 'seed-3');
    for (const f of ['world/world.json', 'simulator/sft/config.json', 'policy-base/policy-base.json', 'rl/search-r1/done.json', 'rl/zerosearch/done.json', 'timings.json']) {
      assert.ok(fs.existsSync(path.join(seedDir, f)), f);
    }
    // Every test row of every set is evaluated, for every method.
    const rows = testRows(loadWorld(path.join(seedDir, 'world')));
    const methods = [...REPRODUCE_PRESETS.tiny.baselines, ...REPRODUCE_PRESETS.tiny.runs.map((r) => r.name)];
    for (const m of methods) assert.equal(readJsonl(path.join(seedDir, 'eval', m, 'predictions.jsonl')).length, rows.length, m);
    // Tables: JSON + CSV, the paper shape, the methods of Table 3.
    for (const name of ['table3', 'table4', 'table8', 'table8_phases']) {
      const t = validateResultTable(readJson(path.join(out, 'tables', `${name}.json`)), name);
      assert.ok(fs.existsSync(path.join(out, 'tables', `${name}.csv`)));
      assert.ok(t.rows.length >= 2, name);
    }
    const t3 = validateResultTable(readJson(path.join(out, 'tables', 'table3.json')));
    assert.deepEqual(t3.columns, EM_COLUMNS);
    assert.deepEqual(t3.rows.map((r) => r.method), ['Direct Answer', 'RAG', 'Search-R1', 'ZeroSearch']);
    for (const f of ['table3.html', 'training-curves.html', 'curriculum.html', 'cost-ours.html']) assert.ok(fs.existsSync(path.join(out, 'figures', f)), f);
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, /Simulated search ≈ real search/);
    assert.match(summary, /\| ZeroSearch \|/);
    // Rerun: nothing is trained or evaluated again (stage times untouched), same tables.
    const timings = fs.readFileSync(path.join(seedDir, 'timings.json'), 'utf8');
    const again = await reproduce({ preset: 'tiny', seeds: [3], outDir: out, png: false, quiet: true });
    assert.equal(fs.readFileSync(path.join(seedDir, 'timings.json'), 'utf8'), timings);
    assert.deepEqual(again.tables.table3, first.tables.table3);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
