import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResultTable, EM_COLUMNS } from '../report/paper-tables';
import { QUESTION_SETS } from '../world/types';
import { buildTables, seedTables, SeedResult, SERPAPI_USD_PER_QUERY } from './tables';
import { writeSummary, averageEm } from './summary';
import { findings, testSamplingSe } from './findings';
import { reproductionFigures } from './figures';

/** World seed `s`, RL seed `r`: method m answers the first round(ems[m] · n) questions of every set (n each). */
function seed(s: number, ems: Record<string, number>, n = 100, r = s): SeedResult {
  const evals: SeedResult['evals'] = {};
  const perQuestion: SeedResult['perQuestion'] = {};
  for (const [m, em] of Object.entries(ems)) {
    const perDataset = Object.fromEntries(QUESTION_SETS.map((set) => [set, { em, cover_em: em, f1: em, searches: 1, n }]));
    evals[m] = { perDataset, average: { em, cover_em: em, f1: em, searches: 1, datasets: 7 }, searchCalls: 7 * n };
    perQuestion[m] = Object.fromEntries(QUESTION_SETS.map((set) => [set, Array.from({ length: n }, (_, q) => (q < Math.round(em * n) ? 1 : 0))]));
  }
  const steps = [1, 2].map((step) => ({ step, reward: 0.1 * step, searches: 1, noiseProbability: null }));
  return {
    seed: s,
    rlSeed: r,
    preset: 'tiny',
    evals,
    perQuestion,
    ladder: [],
    timings: { world: 1, 'rl:search-r1': 2 },
    runs: {
      'search-r1': { engine: 'bm25', steps, searchCalls: 128, trainSeconds: 2, stepSeconds: [0.5, 0.2, 0.3], noise: null },
      zerosearch: {
        engine: 'simulator-sft',
        steps: steps.map((x) => ({ ...x, noiseProbability: 0.1 })),
        searchCalls: 64,
        trainSeconds: 3,
        stepSeconds: [1, 0.2, 0.3],
        noise: { start: 0, end: 0.5 },
      },
    },
  };
}

test('tables have the paper shape, EM in percent, Avg = mean of the seven sets; one-row tables are left out', () => {
  const t = seedTables(seed(1, { direct: 0.1, rag: 0.2, 'search-r1': 0.5, zerosearch: 0.45, base: 0.15 }));
  for (const [name, table] of Object.entries(t)) if (table) validateResultTable(table, name);
  assert.deepEqual(t.table3!.columns, EM_COLUMNS);
  assert.deepEqual(
    t.table3!.rows.map((r) => r.method),
    ['Direct Answer', 'RAG', 'Search-R1', 'ZeroSearch'],
  );
  const zs = t.table3!.rows[3].values;
  assert.ok(Math.abs((zs.NQ as number) - 45) < 1e-9 && Math.abs((zs.Avg as number) - 45) < 1e-9);
  assert.equal(t.table6, undefined); // only the curriculum row was run
  const cost = t.table8!.rows.find((r) => r.method === 'search-r1')!.values;
  assert.equal(cost['Real-engine calls'], 128);
  assert.ok(Math.abs((cost['API cost at SerpAPI price (USD)'] as number) - (128 * 586.7) / 64000) < 1e-12);
  assert.equal(t.table8!.rows.find((r) => r.method === 'zerosearch')!.values['API cost avoided (USD)'], 64 * SERPAPI_USD_PER_QUERY);
});

test('several seeds: mean ± sample std per cell', () => {
  const tables = buildTables([seed(1, { direct: 0.1, zerosearch: 0.4 }), seed(2, { direct: 0.3, zerosearch: 0.6 })]);
  const direct = tables.table3!.rows[0];
  assert.ok(Math.abs((direct.values.Avg as number) - 20) < 1e-9);
  assert.ok(Math.abs((direct.std!.Avg as number) - Math.sqrt(200)) < 1e-9); // values 10 and 30
  assert.deepEqual(direct.seeds, [1, 2]);
  assert.ok(tables.table8_phases, 'stage times of the first world seed');
});

test('summary: each finding with its verdict and interval, or not checked; quick-preset criteria', () => {
  const good = [seed(1, { direct: 0.1, rag: 0.2, 'search-r1': 0.5, zerosearch: 0.48, base: 0.15 })];
  const text = writeSummary(buildTables(good), good, findings(good, { replicates: 300 }), { preset: 'tiny', seconds: 1 });
  assert.match(text, /ZeroSearch beats Direct Answer\*\* \(table3\) — \*\*holds\*\*: ZeroSearch 48\.0 vs Direct Answer 10\.0, difference \+38\.0 \[/);
  // Paired on questions: Search-R1 answers every question ZeroSearch answers and two more, so even a 2-point gap is resolved.
  assert.match(text, /ZeroSearch ≥ Search-R1\)\*\* \(table3\) — \*\*REVERSED\*\*: ZeroSearch 48\.0 vs Search-R1 50\.0, difference -2\.0 \[-3\.0, -1\.0\]/);
  assert.match(text, /curriculum beats a constant.*not checked/);
  assert.match(text, /Direct Answer \+ 15 points: \*\*yes\*\*/);
  assert.match(text, /0\.9 × Search-R1 \(and above 0\): \*\*yes\*\* \(ratio 0\.96/);
  assert.match(text, /\| method \| NQ .*\n\|---\|---\|/);
  assert.match(text, /\| zerosearch \| 1\.00 \| 0\.20 \| 0\.30 \| 1\.50 \|/);
  const se = averageEm(good, 'direct')!.se;
  assert.ok(Math.abs(se - Math.sqrt((7 * 0.1 * 0.9) / 100) / 7) < 1e-12);
});

test('findings: paired over RL seeds and questions; baselines shared by every RL seed', () => {
  const runs = [
    seed(1, { base: 0.2, zerosearch: 0.5, 'zerosearch-random': 0.4 }, 50, 1),
    seed(1, { base: 0.2, zerosearch: 0.3, 'zerosearch-random': 0.4 }, 50, 2),
  ];
  const f = findings(runs, { replicates: 500 });
  const curriculum = f.find((x) => x.id === 'curriculum-vs-random')!;
  assert.deepEqual(curriculum.result!.rlSeeds, [1, 2]);
  assert.ok(Math.abs(curriculum.result!.difference.estimate - 0) < 1e-12); // (0.5 + 0.3) / 2 − 0.4
  assert.equal(curriculum.result!.verdict, 'not distinguishable');
  const rl = f.find((x) => x.id === 'rl-vs-base')!;
  assert.ok(Math.abs(rl.result!.difference.estimate - 0.2) < 1e-12);
  assert.equal(rl.result!.verdict, 'holds');
  assert.equal(f.find((x) => x.id === 'mask-vs-nomask')!.result, null);
  // 7 sets × 50 questions, one s.e. of the seven-set average of a constant-rate method: sqrt(7 · p(1−p)/50) / 7.
  assert.ok(Math.abs(testSamplingSe(runs[0].perQuestion.base) - Math.sqrt((7 * 0.2 * 0.8) / 50) / 7) < 1e-12);
});

test('figures: our tables beside the paper rows, training curves and curriculum from the runs', () => {
  const s = [seed(1, { direct: 0.1, rag: 0.2, 'search-r1': 0.5, zerosearch: 0.48 })];
  const published = {
    table3_main_results_v2: {
      caption: 'paper',
      columns: [...EM_COLUMNS],
      rows: [
        { method: 'Direct Answer', model: 'Qwen-2.5-3B-Instruct', values: Object.fromEntries(EM_COLUMNS.map((c) => [c, 10])) },
        { method: 'ZeroSearch-base', model: 'Qwen-2.5-3B-Base', values: Object.fromEntries(EM_COLUMNS.map((c) => [c, 30])) },
        { method: 'ZeroSearch-base', model: 'Qwen-2.5-7B-Base', values: Object.fromEntries(EM_COLUMNS.map((c) => [c, 40])) },
      ],
    },
  };
  const figs = reproductionFigures(buildTables(s), s, published);
  assert.equal(figs.table3.data.length, 4 + 2); // our 4 rows + the two 3B paper rows
  // A method keeps its colour: the paper's Direct Answer is drawn in ours' colour, hatched; our bars carry intervals.
  const direct = figs.table3.data.filter((t) => String(t.name).startsWith('Direct Answer'));
  assert.equal(direct.length, 2);
  assert.equal((direct[0].marker as { color: string }).color, (direct[1].marker as { color: string }).color);
  assert.ok((direct[0] as { error_y?: { arrayminus: number[] } }).error_y!.arrayminus.every((x) => x >= 0));
  assert.ok(figs['training-curves'] && figs.curriculum && figs['cost-ours']);
  assert.equal(figs.curriculum.data[0].name, 'zerosearch (ours)');
  assert.equal(reproductionFigures(buildTables(s), s, null).table3, undefined);
});
