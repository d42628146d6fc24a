import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonBars, costBars, costRows, curriculumSchedules, trainingCurves } from './figures';
import { EM_COLUMNS, averageOverSeeds, emRow, loadPaperTables, pickRows } from './paper-tables';
import type { ResultTable } from './paper-tables';

const paperTables = loadPaperTables();
const paper = pickRows(paperTables.table3_main_results_v2, { method: ['Search-R1-base', 'ZeroSearch-base'], model: 'Qwen-2.5-3B-Base' });

const micro = (seed: number, nq: number): ResultTable => ({
  caption: 'micro',
  columns: [...EM_COLUMNS],
  rows: [
    emRow(
      'ZeroSearch',
      'micro',
      { 'micro-nq': nq, 'micro-tqa': 0.5, 'micro-popqa': 0.3, 'micro-hotpotqa': 0.2, 'micro-2wiki': 0.2, 'micro-musique': 0.1, 'micro-bamboogle': 0.1 },
      [seed],
    ),
  ],
});

test('comparisonBars: our rows then the paper rows, one bar per paper column in the paper order, std as error bars', () => {
  const ours = averageOverSeeds([micro(1, 0.4), micro(2, 0.5)]);
  const fig = comparisonBars(ours, paper, { title: 'T3' });
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ['ZeroSearch (micro) — ours', 'Search-R1-base (Qwen-2.5-3B-Base) — paper', 'ZeroSearch-base (Qwen-2.5-3B-Base) — paper'],
  );
  for (const t of fig.data) {
    assert.equal(t.type, 'bar');
    assert.deepEqual(t.x, ['NQ', 'TriviaQA', 'PopQA', 'HotpotQA', '2Wiki', 'Musique', 'Bamboogle', 'Avg']);
  }
  const y = fig.data[0].y as number[];
  assert.ok(Math.abs(y[0] - 45) < 1e-9 && Math.abs(y[1] - 50) < 1e-9);
  const err = (fig.data[0].error_y as { array: number[] }).array;
  assert.ok(Math.abs(err[0] - Math.SQRT2 * 5) < 1e-9); // std of 40 and 50
  assert.equal(err[1], 0);
  assert.deepEqual(fig.data[2].y, [43.0, 61.6, 41.4, 33.8, 34.6, 13.0, 13.89, 34.47]);
  assert.equal(fig.data[2].error_y, undefined);
  assert.equal(fig.layout.barmode, 'group');
  assert.deepEqual((fig.layout.xaxis as { categoryarray: string[] }).categoryarray, paper.columns);
  // Plain data: survives JSON (what notebooks and the exporter send to plotly.js).
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
});

test('comparisonBars: our columns follow the paper order even when ours are ordered differently, and unknown columns are refused', () => {
  const ours: ResultTable = { caption: 'x', columns: ['PopQA', 'NQ'], rows: [{ method: 'm', model: '', values: { PopQA: 2, NQ: 1 } }] };
  const fig = comparisonBars(ours, paper);
  assert.deepEqual(fig.data[0].y, [1, null, 2, null, null, null, null, null]);
  assert.equal(fig.data[0].name, 'm — ours');
  const wrong: ResultTable = { caption: 'x', columns: ['micro-nq'], rows: [{ method: 'm', model: '', values: { 'micro-nq': 1 } }] };
  assert.throws(() => comparisonBars(wrong, paper), /our column\(s\) micro-nq are not paper columns/);
});

test('trainingCurves: reward on the top panel, searches on the bottom, one colour and legend entry per run', () => {
  const runs = [
    {
      name: 'curriculum',
      steps: [
        { step: 1, reward: 0.1, searches: 2 },
        { step: 2, reward: 0.3, searches: 1.5 },
      ],
    },
    { name: 'random', steps: [{ step: 1, reward: 0.2, searches: null }] },
  ];
  const fig = trainingCurves(runs);
  assert.equal(fig.data.length, 4);
  assert.deepEqual(
    fig.data.map((t) => [t.name, t.yaxis]),
    [
      ['curriculum', 'y'],
      ['curriculum', 'y2'],
      ['random', 'y'],
      ['random', 'y2'],
    ],
  );
  assert.deepEqual(fig.data[0].y, [0.1, 0.3]);
  assert.deepEqual(fig.data[1].y, [2, 1.5]);
  assert.deepEqual(fig.data[3].y, [null]);
  assert.deepEqual(fig.data[0].x, [1, 2]);
  assert.deepEqual(fig.data[0].line, fig.data[1].line);
  assert.notDeepEqual(fig.data[0].line, fig.data[2].line);
  assert.deepEqual(
    fig.data.map((t) => t.showlegend !== false),
    [true, false, true, false],
  );
  const { yaxis, yaxis2 } = fig.layout as { yaxis: { domain: number[] }; yaxis2: { domain: number[] } };
  assert.ok(yaxis.domain[0] > yaxis2.domain[1], 'reward panel above the searches panel, not overlapping');
  assert.throws(() => trainingCurves([]), /no runs given/);
  assert.throws(() => trainingCurves([{ name: 'empty', steps: [] }]), /run "empty" has no steps/);
});

test('curriculumSchedules draws the given points unchanged on a [0, 1] axis', () => {
  const points = [
    { step: 0, p: 0 },
    { step: 5, p: 0.2 },
    { step: 10, p: 0.5 },
  ];
  const fig = curriculumSchedules([
    { name: 'exp', points },
    { name: 'const', points: points.map((q) => ({ ...q, p: 0.5 })) },
  ]);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ['exp', 'const'],
  );
  assert.deepEqual(fig.data[0].x, [0, 5, 10]);
  assert.deepEqual(fig.data[0].y, [0, 0.2, 0.5]);
  assert.deepEqual((fig.layout.yaxis as { range: number[] }).range, [0, 1]);
});

test('costBars stacks the cost parts of the paper Table 8', () => {
  const rows = costRows(paperTables.table8_cost_v2, ['API Cost (USD)', 'GPU Cost (USD)']);
  assert.deepEqual(
    rows.map((r) => r.name),
    ['SFT-3B', 'SFT-7B', 'SFT-14B', 'Google'],
  );
  const fig = costBars(rows, { yTitle: 'USD' });
  assert.equal(fig.layout.barmode, 'stack');
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ['API Cost (USD)', 'GPU Cost (USD)'],
  );
  assert.deepEqual(fig.data[1].y, [17.7, 35.4, 70.8, 0]);
  assert.deepEqual(fig.data[0].y, [0, 0, 0, 586.7]);
  assert.throws(() => costRows(paperTables.table8_cost_v2, ['GPUs Used']), /SFT-3B\.GPUs Used is "1 x A100", expected a number/);
  assert.throws(() => costRows(paperTables.table8_cost_v2, ['Dollars']), /column\(s\) Dollars not in table/);
});
