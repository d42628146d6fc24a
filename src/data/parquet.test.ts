import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { exportSearchR1Parquet, importSearchR1Parquet, toSearchR1Rows } from './parquet';
import { loadQaJsonl, type QaRow } from './qa';
import { sharedPath, sharedSkip } from '../util';

const SHARED = sharedPath('data');
const FIXTURES = path.join(__dirname, 'fixtures');
const makePrompt = (q: string) => `Answer the given question. Question: ${q}\n`;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zs-parquet-'));
}

const ROWS: QaRow[] = [
  { id: 'test_0', question: ' who got the first nobel prize in physics ', golden_answers: ['Wilhelm Conrad Röntgen'], data_source: 'nq' },
  { id: 'test_1', question: 'which mode is used for short wave broadcast service?', golden_answers: ['Olivia', 'MFSK'], data_source: 'nq' },
  { id: 'dev_0', question: 'Were Scott Derrickson and Ed Wood of the same nationality?', golden_answers: ['yes'], data_source: 'hotpotqa' },
  { id: 'x', question: '東京は何の首都', golden_answers: ['日本', 'Japan'], data_source: 'nq' },
];

test('toSearchR1Rows: Search-R1 fields, preprocessed question, per-source index', () => {
  const rows = toSearchR1Rows(ROWS, { split: 'test', makePrompt });
  assert.deepEqual(rows[0], {
    id: 'test_0',
    question: 'who got the first nobel prize in physics?',
    golden_answers: ['Wilhelm Conrad Röntgen'],
    data_source: 'nq',
    prompt: [{ role: 'user', content: 'Answer the given question. Question: who got the first nobel prize in physics?\n' }],
    ability: 'fact-reasoning',
    reward_model: { style: 'rule', ground_truth: { target: ['Wilhelm Conrad Röntgen'] } },
    extra_info: { split: 'test', index: 0 },
  });
  assert.deepEqual(rows.map((r) => [r.data_source, r.extra_info.index]), [['nq', 0], ['nq', 1], ['hotpotqa', 0], ['nq', 2]]);
});

test('export → import round trip with nested columns (parquet schema as pyarrow writes it)', async () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'test.parquet');
    const written = exportSearchR1Parquet(ROWS, file, { split: 'test', makePrompt });
    const back = await importSearchR1Parquet(file);
    assert.deepEqual(back, written);
    assert.deepEqual((await importSearchR1Parquet(file, { limit: 2 })).map((r) => r.id), ['test_0', 'test_1']);
    // Nested columns really are nested parquet types (not JSON strings).
    const bytes = fs.readFileSync(file);
    const schema = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).schema;
    const byName = (n: string) => schema.find((s) => s.name === n)!;
    assert.equal(byName('prompt').converted_type, 'LIST');
    assert.equal(byName('golden_answers').converted_type, 'LIST');
    assert.equal(byName('reward_model').num_children, 2);
    assert.equal(byName('index').type, 'INT64');
    // No temp file is left behind by the atomic write.
    assert.deepEqual(fs.readdirSync(dir), ['test.parquet']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('round trip of real NQ and Bamboogle rows', { skip: sharedSkip('data') }, async () => {
  const dir = tmpDir();
  try {
    const rows = [
      ...loadQaJsonl(path.join(SHARED, 'nq/test.jsonl'), { limit: 300 }),
      ...loadQaJsonl(path.join(SHARED, 'bamboogle/test.jsonl')),
    ];
    const file = path.join(dir, 'mixed.parquet');
    const written = exportSearchR1Parquet(rows, file, { split: 'test', makePrompt });
    const back = await importSearchR1Parquet(file);
    assert.equal(back.length, 425);
    assert.deepEqual(back, written);
    assert.equal(back[300].extra_info.index, 0); // bamboogle restarts at 0
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('import reads pyarrow-written Search-R1 files (current and legacy list layouts)', async () => {
  for (const name of ['searchr1-pyarrow.parquet', 'searchr1-pyarrow-legacy.parquet']) {
    const rows = await importSearchR1Parquet(path.join(FIXTURES, name));
    assert.equal(rows.length, 3, name);
    assert.deepEqual(rows[1], {
      id: 'test_1',
      question: 'where is mirabel?',
      golden_answers: ['Ostrava', 'the Republic of Ostrava'],
      data_source: 'nq',
      prompt: [{ role: 'user', content: 'Answer the given question. ... Question: where is mirabel?\n' }],
      ability: 'fact-reasoning',
      reward_model: { style: 'rule', ground_truth: { target: ['Ostrava', 'the Republic of Ostrava'] } },
      extra_info: { split: 'test', index: 1 },
    }, name);
    assert.deepEqual(rows.map((r) => r.data_source), ['nq', 'nq', 'hotpotqa'], name);
  }
});

test('import errors name the file, row and field', async () => {
  const dir = tmpDir();
  try {
    await assert.rejects(importSearchR1Parquet(path.join(dir, 'none.parquet')), /none\.parquet: file not found/);
    const junk = path.join(dir, 'junk.parquet');
    fs.writeFileSync(junk, 'not parquet at all');
    await assert.rejects(importSearchR1Parquet(junk), /junk\.parquet: not a readable parquet file/);
    // A parquet file with other columns: the missing Search-R1 field is named.
    const file = path.join(dir, 'partial.parquet');
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    fs.writeFileSync(file, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'data_source', data: ['nq'], type: 'STRING' }] })));
    await assert.rejects(importSearchR1Parquet(file), /partial\.parquet row 0: missing field "prompt"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
