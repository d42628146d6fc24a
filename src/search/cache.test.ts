import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bm25Engine } from './bm25';
import { CachedEngine } from './cache';
import { Doc, NO_INFORMATION_DOC, SearchEngine, SearchOptions } from './types';

const DOCS: Doc[] = [
  { id: 'a', title: 'Paris', text: 'Paris is the capital of France.' },
  { id: 'b', title: 'Berlin', text: 'Berlin is the capital of Germany.' },
  { id: 'c', text: 'Rome is the capital of Italy.' },
];
const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zs-cache-')), 'searches.jsonl');

/** Wraps an engine, counting calls, and can be switched off (then every search throws). */
class Switchable implements SearchEngine {
  calls: string[][] = [];
  on = true;
  constructor(
    private readonly inner: SearchEngine,
    readonly name: string,
  ) {}
  async search(queries: string[], opts: SearchOptions): Promise<Doc[][]> {
    if (!this.on) throw new Error('upstream is switched off');
    this.calls.push(queries);
    return this.inner.search(queries, opts);
  }
}

test('record, then replay with the upstream switched off: identical results, no upstream calls', async () => {
  const file = tmpFile();
  const upstream = new Switchable(Bm25Engine.fromDocs(DOCS), 'bm25-test');
  const queries = ['capital of France', 'Germany', 'Italy capital', 'capital of France'];
  const recorder = new CachedEngine(upstream, { file, mode: 'record' });
  const recorded = await recorder.search(queries, { topk: 2 });
  assert.deepEqual(upstream.calls, [['capital of France', 'Germany', 'Italy capital']], 'duplicates asked once');
  assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 3, 'one JSONL row per distinct query, appended');

  upstream.on = false;
  const replayer = new CachedEngine(null, { file, mode: 'replay', engineName: 'bm25-test' });
  assert.deepEqual(await replayer.search(queries, { topk: 2 }), recorded);
  assert.deepEqual(replayer.stats, { hits: 4, misses: 0 });
  await assert.rejects(replayer.search(['capital of France'], { topk: 3 }), /no answer for engine "bm25-test", topk 3, query "capital of France"/);
  await assert.rejects(replayer.search(['Spain'], { topk: 2 }), /searches\.jsonl: replay cache has no answer/);
  const other = new CachedEngine(null, { file, mode: 'replay', engineName: 'another-engine' });
  await assert.rejects(other.search(['Germany'], { topk: 2 }), /no answer for engine "another-engine"/, 'keys include the engine name');
});

test('auto mode asks upstream only for what is missing and survives a truncated last line', async () => {
  const file = tmpFile();
  const upstream = new Switchable(Bm25Engine.fromDocs(DOCS), 'bm25-test');
  await new CachedEngine(upstream, { file, mode: 'auto' }).search(['Paris', 'Berlin'], { topk: 1 });
  fs.appendFileSync(file, '{"engine":"bm25-test","query":"Ro'); // a run killed mid-write
  const auto = new CachedEngine(upstream, { file, mode: 'auto' });
  assert.equal(auto.size, 2);
  const out = await auto.search(['Berlin', 'Rome'], { topk: 1 });
  assert.deepEqual(upstream.calls, [['Paris', 'Berlin'], ['Rome']]);
  assert.equal(out[1][0].id, 'c');
  assert.equal(new CachedEngine(null, { file, mode: 'replay', engineName: 'bm25-test' }).size, 3, 'the file is whole again after the append');
  out[0][0].text = 'edited by the caller';
  assert.equal((await auto.search(['Berlin'], { topk: 1 }))[0][0].text, 'Berlin is the capital of Germany.', 'callers get copies');
});

test('failed searches are passed through but not recorded; bad setups are clear errors', async () => {
  const file = tmpFile();
  const failing: SearchEngine = { name: 'down', search: async (qs) => qs.map(() => [{ ...NO_INFORMATION_DOC }]) };
  const cache = new CachedEngine(failing, { file, mode: 'auto' });
  assert.deepEqual(await cache.search(['x'], { topk: 5 }), [[NO_INFORMATION_DOC]]);
  assert.equal(cache.size, 0);
  assert.equal(fs.existsSync(file), false, 'nothing written');
  assert.throws(() => new CachedEngine(null, { file, mode: 'replay', engineName: 'down' }), /replay cache not found/);
  assert.throws(() => new CachedEngine(null, { file, mode: 'auto', engineName: 'x' }), /needs an upstream engine/);
  assert.throws(() => new CachedEngine({ search: failing.search }, { file, mode: 'auto' }), /give engineName/);
  fs.writeFileSync(file, '{"engine":"e","query":"q"}\n');
  assert.throws(() => new CachedEngine(null, { file, mode: 'replay', engineName: 'e' }), /row 1: expected \{engine, query, topk, docs\}/);
});

test('answers are written as they arrive: a call that fails half-way keeps what finished', async () => {
  const file = tmpFile();
  const halfway: SearchEngine = {
    name: 'flaky',
    async search(qs, opts) {
      opts.onAnswer?.(0, [{ text: `about ${qs[0]}` }]);
      opts.onAnswer?.(1, [{ text: `about ${qs[1]}` }]);
      throw new Error('connection reset after two answers');
    },
  };
  await assert.rejects(new CachedEngine(halfway, { file, mode: 'auto' }).search(['a', 'b', 'c'], { topk: 1 }), /connection reset/);
  const replay = new CachedEngine(null, { file, mode: 'replay', engineName: 'flaky' });
  assert.deepEqual(await replay.search(['a', 'b'], { topk: 1 }), [[{ text: 'about a' }], [{ text: 'about b' }]]);
  await assert.rejects(replay.search(['c'], { topk: 1 }), /no answer/);
});
