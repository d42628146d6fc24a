import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Bm25Engine, RetrieverClient } from '../search';

const BIN = path.resolve(__dirname, '../../bin/zerosearch.js');
const DOCS = [
  { id: 'p1', title: 'Paris', text: 'Paris is the capital of France.' },
  { id: 'p2', title: 'Berlin', text: 'Berlin is the capital of Germany.' },
  { contents: '"Rome"\nRome is the capital of Italy.', id: 'p3' },
];

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-search-cli-'));
  const corpus = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(corpus, DOCS.map((d) => JSON.stringify(d)).join('\n') + '\n');
  return { dir, corpus };
}
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ZS_QUIET: '1' } });

test('zerosearch search prints one JSON line per query, equal to the engine; bad query files are clear errors', async () => {
  const { dir, corpus } = setup();
  const queries = path.join(dir, 'q.jsonl');
  fs.writeFileSync(queries, '{"question":"capital of Italy?"}\n{"query":"Germany"}\n');
  const r = cli(['search', '--corpus', corpus, '--queries', queries, '--topk', '2', '--render']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const want = await Bm25Engine.fromCorpusFile(corpus).search(['capital of Italy?', 'Germany'], { topk: 2 });
  assert.deepEqual(
    lines.map((l) => l.query),
    ['capital of Italy?', 'Germany'],
  );
  assert.deepEqual(
    lines.map((l) => l.docs),
    want,
  );
  assert.equal(lines[1].observation, '\n\n<information>Doc 1: Berlin Berlin is the capital of Germany.</information>\n\n');
  fs.writeFileSync(queries, '{"text":"no query field"}\n');
  const bad = cli(['search', '--corpus', corpus, '--queries', queries]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /q\.jsonl: row 1: expected a string field "query" or "question"/);
});

test('zerosearch serve-retriever serves the corpus on loopback with an API key until stopped', async () => {
  const { corpus } = setup();
  const child = spawn(process.execPath, [BIN, 'serve-retriever', '--corpus', corpus, '--port', '0', '--api-key', 'k3y'], {
    env: { ...process.env, ZS_QUIET: '1' },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /listening on (\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/retrieve$/);
    const [[doc]] = await new RetrieverClient(url, { apiKey: 'k3y' }).search(['capital of Italy'], { topk: 1 });
    assert.deepEqual({ id: doc.id, title: doc.title, text: doc.text }, { id: 'p3', title: 'Rome', text: 'Rome is the capital of Italy.' });
    await assert.rejects(new RetrieverClient(url, { apiKey: 'nope' }).search(['x'], { topk: 1 }), /HTTP 401/);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});
