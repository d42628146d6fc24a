import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JsonlLog } from './jsonl-log';
import { readJsonl } from './files';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zs-jsonl-')), 'sub', 'rows.jsonl');
type Row = { id: string; v: number };
const byId = { key: (r: Row) => r.id };

test('a partial last line is cut on open, so the next append starts a line of its own', () => {
  const file = tmpFile();
  JsonlLog.open<Row>(file, byId).append([
    { id: 'a', v: 1 },
    { id: 'b', v: 2 },
  ]);
  fs.appendFileSync(file, '{"id":"c","v"'); // killed mid-write
  const log = JsonlLog.open<Row>(file, byId);
  assert.deepEqual(
    log.rows.map((r) => r.id),
    ['a', 'b'],
  );
  log.append([{ id: 'c', v: 3 }]);
  log.sync();
  assert.deepEqual(readJsonl<Row>(file), [
    { id: 'a', v: 1 },
    { id: 'b', v: 2 },
    { id: 'c', v: 3 },
  ]);
});

test('one row per key: duplicates are dropped on open (first kept), and appending a held key is refused', () => {
  const file = tmpFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"id":"a","v":1}\n{"id":"b","v":2}\n{"id":"a","v":9}\n');
  const log = JsonlLog.open<Row>(file, byId);
  assert.deepEqual(log.rows, [
    { id: 'a', v: 1 },
    { id: 'b', v: 2 },
  ]);
  assert.equal(readJsonl(file).length, 2, 'the file itself is repaired');
  assert.throws(
    () =>
      log.append([
        { id: 'c', v: 3 },
        { id: 'b', v: 4 },
      ]),
    /already holds a row with key "b"/,
  );
  assert.throws(
    () =>
      log.append([
        { id: 'd', v: 3 },
        { id: 'd', v: 4 },
      ]),
    /key "d"/,
  );
  assert.equal(readJsonl(file).length, 2, 'a refused append writes nothing');
});

test('keep drops rows on open (a resume cutting back to its checkpoint); a broken complete line is an error naming it', () => {
  const file = tmpFile();
  JsonlLog.open<Row>(file).append([1, 2, 3].map((v) => ({ id: String(v), v })));
  assert.deepEqual(
    JsonlLog.open<Row>(file, { keep: (r) => r.v <= 2 }).rows.map((r) => r.v),
    [1, 2],
  );
  assert.deepEqual(
    readJsonl<Row>(file).map((r) => r.v),
    [1, 2],
  );
  fs.writeFileSync(file, '{"id":"a","v":1}\n{"id":"b{"id":"c","v":3}\n');
  assert.throws(() => JsonlLog.open<Row>(file), /rows\.jsonl:2: not valid JSON/);
  const fresh = JsonlLog.open<Row>(path.join(path.dirname(file), 'none.jsonl'));
  assert.deepEqual(fresh.rows, []);
  assert.equal(fs.existsSync(fresh.file), false, 'created at the first append, not on open');
});
