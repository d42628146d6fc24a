import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DATASET_COLUMNS,
  EM_COLUMNS,
  averageOverSeeds,
  emRow,
  loadPaperTables,
  pickRows,
  tableFromCsv,
  tableToCsv,
  validateResultTable,
  validateTable,
  writeTable,
} from './paper-tables';
import type { ResultTable } from './paper-tables';

const tables = loadPaperTables();
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

test('every published table loads and validates', () => {
  assert.deepEqual(Object.keys(tables).sort(), [
    'table3_main_results_v1',
    'table3_main_results_v2',
    'table4_simulation_llms_v1',
    'table4_simulation_llms_v2',
    'table5_rl_algorithms_v2',
    'table6_curriculum_vs_random_v2',
    'table7_loss_masking_v2',
    'table8_cost_v2',
  ]);
  for (const [name, t] of Object.entries(tables)) assert.doesNotThrow(() => validateTable(t, name));
  assert.equal(tables.table3_main_results_v2.rows.length, 33);
  assert.equal(tables.table8_cost_v2.rows[0].values['GPUs Used'], '1 x A100');
});

test('EM tables use the paper column order and their Avg is the mean of the seven datasets (±0.01, spec §11)', () => {
  for (const [name, t] of Object.entries(tables)) {
    if (name.startsWith('table8')) continue;
    assert.deepEqual(t.columns, EM_COLUMNS, name);
    for (const r of t.rows) {
      const xs = DATASET_COLUMNS.map((c) => r.values[c] as number);
      const avg = xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(Math.abs(avg - (r.values.Avg as number)) <= 0.01 + 1e-9, `${name} ${r.method}/${r.model}: ${avg} vs ${r.values.Avg}`);
    }
  }
});

test('validateTable rejects malformed tables, naming the table, the row and the field', () => {
  const good = tables.table3_main_results_v2;
  const broken = (edit: (t: any) => void) => {
    const t = clone(good);
    edit(t);
    return t;
  };
  assert.throws(
    () =>
      validateTable(
        broken((t) => delete t.caption),
        't3',
      ),
    /^Error: t3: caption must be a string$/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.columns = 'NQ')),
        't3',
      ),
    /t3: columns must be a non-empty array/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => t.columns.push('NQ')),
        't3',
      ),
    /t3: column "NQ" appears twice/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => delete t.rows[1].values.NQ),
        't3',
      ),
    /t3: row 1 \(CoT \/ Qwen-2\.5-7B-Instruct\): values has no value for column\(s\) NQ/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows[2].values.Extra = 1)),
        't3',
      ),
    /t3: row 2 \(RAG \/ .*\): values has column\(s\) Extra that are not in columns/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows[3].values.PopQA = [1])),
        't3',
      ),
    /t3: row 3 .*values\.PopQA is \[1\], expected a finite number, a string or null/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows[0].values.NQ = Infinity)),
        't3',
      ),
    /t3: row 0 .*values\.NQ is Infinity, expected a finite number, a string or null/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows[0].model = 7)),
        't3',
      ),
    /t3: row 0 .*method and model must be strings/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows[0].seeds = [1.5])),
        't3',
      ),
    /seeds must be an array of integers/,
  );
  assert.throws(
    () =>
      validateTable(
        broken((t) => (t.rows = {})),
        't3',
      ),
    /t3: rows must be an array/,
  );
  // The kit's own tables must be numeric: Table 8's "1 x A100" is fine for the paper, not for a result.
  assert.throws(() => validateResultTable(tables.table8_cost_v2, 't8'), /t8: row 0 .*values\.GPUs Used is "1 x A100", expected a finite number or null/);
});

test('loadPaperTables names the file and the table in its errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-report-'));
  assert.throws(() => loadPaperTables(path.join(dir, 'none.json')), /none\.json: paper tables not found .*ZS_PAPER_TABLES/);
  const bad = path.join(dir, 'bad.json');
  const t = clone(tables.table5_rl_algorithms_v2);
  t.rows[1].values.NQ = 'x,y';
  fs.writeFileSync(bad, JSON.stringify({ table5: tables.table5_rl_algorithms_v2, table5_broken: { ...t, columns: t.columns.slice(1) } }));
  assert.throws(
    () => loadPaperTables(bad),
    /bad\.json: table5_broken: row 0 \(REINFORCE \/ Qwen-2\.5-3B-Base\): values has column\(s\) NQ that are not in columns/,
  );
});

test('CSV round trip keeps strings, numbers, nulls, std and seeds exactly', () => {
  for (const t of [tables.table8_cost_v2, tables.table3_main_results_v1]) {
    const back = tableFromCsv(tableToCsv(t), t.caption);
    assert.deepEqual(back, { caption: t.caption, columns: t.columns, rows: t.rows });
  }
  const tricky: ResultTable = {
    caption: 'tricky',
    columns: ['NQ', 'Avg'],
    rows: [
      { method: 'a, "quoted"\nmethod', model: '', values: { NQ: 0.1 + 0.2, Avg: null }, std: { NQ: 1e-17, Avg: null }, seeds: [3, 11] },
      { method: 'b', model: 'm', values: { NQ: -0, Avg: 12 }, std: { NQ: null, Avg: 0 }, seeds: [4] },
    ],
  };
  const csv = tableToCsv(tricky);
  assert.equal(csv.split('\n')[0], '"method","model","NQ","Avg","NQ_std","Avg_std","seeds"');
  assert.equal(csv.split('\n').slice(3).join('\n'), '"b","m",0,12,,0,"4"\n');
  assert.deepEqual(tableFromCsv(csv, 'tricky'), { ...tricky, rows: [tricky.rows[0], { ...tricky.rows[1], values: { NQ: 0, Avg: 12 } }] });
  assert.equal(tableFromCsv(csv, 'tricky').rows[0].values.NQ as number, 0.30000000000000004);
  assert.throws(() => tableFromCsv('"method","model","NQ"\n"a","b",1x\n', 'c', 'r.csv'), /r\.csv: line 2, NQ: "1x" is not a number/);
  assert.throws(() => tableFromCsv('"method","model","NQ"\n"a","b"\n', 'c', 'r.csv'), /r\.csv: line 2 has 2 fields, header has 3/);
  assert.throws(() => tableFromCsv('"method","model","NQ"\n"a,1\n', 'c', 'r.csv'), /r\.csv: unterminated quoted field/);
});

test('writeTable writes JSON and CSV and leaves no temp files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-report-'));
  const t = tables.table7_loss_masking_v2;
  const out = writeTable(t, path.join(dir, 'tables'), 'table7');
  assert.deepEqual(JSON.parse(fs.readFileSync(out.json, 'utf8')), t);
  assert.equal(fs.readFileSync(out.csv, 'utf8'), tableToCsv(t));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'tables')).sort(), ['table7.csv', 'table7.json']);
  assert.throws(() => writeTable(t, dir, '../escape'), /name "\.\.\/escape" must be a plain file stem/);
  assert.throws(() => writeTable({ ...t, caption: 3 } as never, dir, 'x'), /x: caption must be a string/);
});

test('emRow maps micro and real dataset names to the paper columns, in percent', () => {
  const micro = {
    'micro-nq': 0.5,
    'micro-tqa': 0.25,
    'micro-popqa': 0.1,
    'micro-hotpotqa': 0.2,
    'micro-2wiki': 0.3,
    'micro-musique': 0.05,
    'micro-bamboogle': 0.4,
  };
  const row = emRow('ZeroSearch', 'micro-quick', micro, [7]);
  assert.deepEqual(row.values, {
    NQ: 50,
    TriviaQA: 25,
    PopQA: 10,
    HotpotQA: 20,
    '2Wiki': 30,
    Musique: 5,
    Bamboogle: 40,
    Avg: (50 + 25 + 10 + 20 + 30 + 5 + 40) / 7,
  });
  assert.deepEqual(row.seeds, [7]);
  const partial = emRow('BM25', 'real', { nq: 0.4, '2wikimultihopqa': 0.1 });
  assert.deepEqual([partial.values.NQ, partial.values['2Wiki'], partial.values.PopQA, partial.values.Avg], [40, 10, null, null]);
  assert.throws(() => emRow('x', 'y', { 'micro-squad': 0.1 }), /dataset "micro-squad": no paper column/);
  assert.throws(() => emRow('x', 'y', { 'micro-nq': 42 }), /em\["micro-nq"\] = 42, expected a fraction in \[0, 1\]/);
  assert.throws(() => emRow('x', 'y', { nq: 0.1, 'micro-nq': 0.2 }), /two datasets map to column NQ/);
});

test('averageOverSeeds: mean and sample std (n − 1) against hand values', () => {
  const seedTable = (seed: number, nq: number, popqa: number | null): ResultTable => ({
    caption: 'micro',
    columns: ['NQ', 'PopQA'],
    rows: [
      { method: 'ZeroSearch', model: 'm', values: { NQ: nq, PopQA: popqa }, seeds: [seed] },
      { method: 'BM25', model: 'm', values: { NQ: 10 * seed, PopQA: 1 }, seeds: [seed] },
    ],
  });
  // Rows in another order in one table: matched by method + model, not position.
  const t2 = seedTable(2, 44, 5);
  t2.rows.reverse();
  const avg = averageOverSeeds([seedTable(1, 40, 3), t2, seedTable(3, 45, null)]);
  const zs = avg.rows[0];
  assert.equal(zs.method, 'ZeroSearch');
  assert.equal(zs.values.NQ, 43); // (40 + 44 + 45) / 3
  assert.ok(Math.abs((zs.std!.NQ as number) - Math.sqrt(7)) < 1e-12); // (9 + 1 + 4) / 2 = 7
  assert.equal(zs.values.PopQA, null); // seed 3 lacks it
  assert.deepEqual(zs.seeds, [1, 2, 3]);
  const bm25 = avg.rows[1];
  assert.equal(bm25.values.NQ, 20);
  assert.equal(bm25.std!.NQ, 10); // 10, 20, 30
  assert.equal(bm25.std!.PopQA, 0);
  assert.match(avg.caption, /mean ± sample std over 3 seeds/);
  assert.equal(averageOverSeeds([seedTable(1, 40, 3)]).rows[0].std!.NQ, null);
  assert.throws(() => averageOverSeeds([]), /no tables given/);
  assert.throws(() => averageOverSeeds([seedTable(1, 1, 1), { ...seedTable(2, 1, 1), columns: ['PopQA', 'NQ'] }]), /table 1 has columns PopQA,NQ/);
  const renamed = seedTable(2, 1, 1);
  renamed.rows[1].model = 'other';
  assert.throws(() => averageOverSeeds([seedTable(1, 1, 1), renamed]), /table 1 has no row BM25 \/ m/);
  assert.throws(() => averageOverSeeds([avg, avg]), /already carries std/);
});

test('pickRows selects by method and model and explains an empty match', () => {
  const t = pickRows(tables.table3_main_results_v2, { method: ['ZeroSearch-base', 'Search-R1-base'], model: 'Qwen-2.5-3B-Base' });
  assert.deepEqual(
    t.rows.map((r) => r.method),
    ['Search-R1-base', 'ZeroSearch-base'],
  );
  assert.equal(t.rows[1].values.Avg, 34.47);
  assert.throws(() => pickRows(t, { model: 'GPT-4' }), /no row matches \{"model":"GPT-4"\} \(models: Qwen-2\.5-3B-Base\)/);
});
