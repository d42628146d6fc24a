import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reproduce, evalRows, REPRODUCE_PRESETS, CLAIMS } from '../src/reproduce';
import type { Finding } from '../src/reproduce';
import { loadWorld } from '../src/world';
import { validateResultTable, EM_COLUMNS } from '../src/report';
import { readJson, readJsonl } from '../src/util';

test('tiny end-to-end reproduce: every stage, tables that validate, figures, summary; a rerun reuses every stage; the ablations preset on its stages', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-reproduce-'));
  try {
    const first = await reproduce({ preset: 'tiny', seeds: [3], outDir: out, png: false, quiet: true });
    const seedDir = path.join(out, 'seed-3');
    for (const f of [
      'world/world.json',
      'simulator/sft/config.json',
      'policy-base/policy-base.json',
      'rl/search-r1/done.json',
      'rl/zerosearch/done.json',
      'timings.json',
    ]) {
      assert.ok(fs.existsSync(path.join(seedDir, f)), f);
    }
    // Every held-out row of every set is evaluated, for every method.
    const rows = evalRows(loadWorld(path.join(seedDir, 'world')), REPRODUCE_PRESETS.tiny.evalPerSet);
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
    assert.deepEqual(
      t3.rows.map((r) => r.method),
      ['Direct Answer', 'RAG', 'Search-R1', 'ZeroSearch'],
    );
    for (const f of ['table3.html', 'training-curves.html', 'curriculum.html', 'cost-ours.html']) assert.ok(fs.existsSync(path.join(out, 'figures', f)), f);
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, /Simulated search matches or beats real search \(ZeroSearch ≥ Search-R1\)\*\* \(table3\) — \*\*(holds|REVERSED|not distinguishable)/);
    assert.match(summary, /\| ZeroSearch \|/);
    // Rerun: nothing is trained or evaluated again (stage times untouched), same tables.
    const timings = fs.readFileSync(path.join(seedDir, 'timings.json'), 'utf8');
    const again = await reproduce({ preset: 'tiny', seeds: [3], outDir: out, png: false, quiet: true });
    assert.equal(fs.readFileSync(path.join(seedDir, 'timings.json'), 'utf8'), timings);
    assert.deepEqual(again.tables.table3, first.tables.table3);

    // The ablations preset on the same (tiny) stages, two RL seeds: the first run's world, policy base,
    // simulator, RL runs and evaluations are reused; every other table, the ladder and every finding appear.
    const abl = path.join(out, 'ablations');
    const result = await reproduce({
      preset: 'ablations',
      seeds: [3],
      rlSeeds: [3, 4],
      outDir: abl,
      reuse: out,
      overrides: { stages: 'tiny', rl: {} },
      png: false,
      quiet: true,
      parallel: false,
    });
    const ablTimings = readJson<Record<string, unknown>>(path.join(abl, 'seed-3', 'timings.json'));
    const firstTimings = JSON.parse(timings) as Record<string, unknown>;
    for (const reused of ['policy-base', 'rl:search-r1 (child process)', 'eval:zerosearch', 'eval:direct'])
      assert.deepEqual(ablTimings[reused], firstTimings[reused], `${reused} is not redone`);
    assert.equal(
      fs.readFileSync(path.join(abl, 'seed-3', 'rl', 'zerosearch', 'metrics.jsonl'), 'utf8'),
      fs.readFileSync(path.join(seedDir, 'rl', 'zerosearch', 'metrics.jsonl'), 'utf8'),
    );
    for (const f of [
      'simulator-small/simulator.json',
      'simulator-large/simulator.json',
      'simulator/simulator.json',
      'rl/zerosearch-ppo.rl-seed-4/done.json',
      'rl/r1/done.json',
    ])
      assert.ok(fs.existsSync(path.join(abl, 'seed-3', f)), f);
    for (const name of ['table3', 'table4', 'table5', 'table6', 'table7']) {
      const t = validateResultTable(readJson(path.join(abl, 'tables', `${name}.json`)), name);
      assert.ok(
        t.rows.every((r) => r.std !== undefined),
        `${name}: mean ± std over RL seeds`,
      );
    }
    assert.deepEqual(
      validateResultTable(readJson(path.join(abl, 'tables', 'table4.json'))).rows.map((r) => r.method),
      ['Base Model', 'Prompt', 'SFT-small', 'SFT', 'SFT-large', 'BM25 (real)'],
    );
    const found = readJson<Finding[]>(path.join(abl, 'findings.json'));
    assert.deepEqual(
      found.map((f) => f.id),
      CLAIMS.map((c) => c.id),
    );
    for (const f of found) {
      assert.ok(f.result && ['holds', 'reversed', 'not distinguishable'].includes(f.result.verdict), f.id);
      assert.deepEqual(f.result.rlSeeds, [3, 4]);
      assert.ok(f.result.difference.low <= f.result.difference.estimate && f.result.difference.estimate <= f.result.difference.high, f.id);
    }
    assert.equal(result.seeds[0].ladder.length, 3);
    assert.ok(result.seeds[0].ladder[0].params < result.seeds[0].ladder[1].params && result.seeds[0].ladder[1].params < result.seeds[0].ladder[2].params);
    for (const f of ['ladder.html', 'curves-table5.html', 'curves-table6.html', 'curves-table7.html', 'table5.html'])
      assert.ok(fs.existsSync(path.join(abl, 'figures', f)), f);
    assert.match(fs.readFileSync(path.join(abl, 'summary.md'), 'utf8'), /## The simulator ladder \(Table 4\)/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
