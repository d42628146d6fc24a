import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';
import { Bm25Engine } from './bm25';
import { RetrieverClient } from './retriever-client';
import { RunningRetriever, serveRetriever } from './retriever-server';
import { Doc, NO_INFORMATION_DOC, SearchEngine } from './types';

const DOCS: Doc[] = [
  { id: 'p1', title: 'Paris', text: 'Paris is the capital of France.' },
  { id: 'p2', title: 'Berlin', text: 'Berlin is the capital of Germany.' },
  { id: 'p3', text: 'The Seine flows through Paris.' },
];
const engine = Bm25Engine.fromDocs(DOCS);
const KEY = 'sekret-key';

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function withServer(opts: Parameters<typeof serveRetriever>[1], fn: (s: RunningRetriever) => Promise<void>, eng: SearchEngine = engine) {
  const server = await serveRetriever(eng, { port: 0, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

test('client ↔ server round trip on loopback returns what the engine returns', async () => {
  await withServer({ apiKey: KEY }, async (server) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/retrieve$/);
    assert.ok(server.port > 0, 'port 0 picks a free port');
    const client = new RetrieverClient(server.url, { apiKey: KEY, maxBatch: 2 });
    const queries = ['capital of France', 'Germany', 'Seine river', 'nothing matches zzz'];
    const local = await engine.search(queries, { topk: 2 });
    const arrived: number[] = [];
    const remote = await client.search(queries, { topk: 2, onAnswer: (i) => arrived.push(i) });
    assert.deepEqual(remote, local, 'ids, titles, texts and scores survive the trip (split into batches of 2)');
    assert.deepEqual(arrived, [0, 1, 2, 3], 'each answer is reported as its batch arrives');
    await client.check();
    await assert.rejects(new RetrieverClient(server.url, { retries: 0 }).check(), /retriever:http.* does not answer: .*HTTP 401/);
  });
  const gone = new RetrieverClient('http://127.0.0.1:9/retrieve', { retries: 0, timeoutMs: 2000, onFailure: 'empty' });
  await assert.rejects(gone.check(), /does not answer: .*request failed/, 'the check ignores onFailure: an outage shows at the start');
});

test('server speaks Search-R1 JSON exactly, with and without scores, and ZeroSearch wiki mode', async () => {
  await withServer({}, async ({ url }) => {
    const scored = await post(url, JSON.stringify({ queries: ['capital of France'], topk: 1, return_scores: true }));
    assert.equal(scored.status, 200);
    const [[item]] = scored.json.result as Array<Array<{ document: { id: string; contents: string }; score: number }>>;
    assert.deepEqual(item.document, { id: 'p1', contents: '"Paris"\nParis is the capital of France.' });
    assert.equal(typeof item.score, 'number');
    const bare = await post(url, JSON.stringify({ queries: ['Seine'], topk: 1 }));
    assert.deepEqual(bare.json, { result: [[{ id: 'p3', contents: 'The Seine flows through Paris.' }]] });
    const wiki = await post(url, JSON.stringify({ query: 'capital of Germany', top_k: 1 }));
    assert.deepEqual(wiki.json, [{ id: 'p2', title: 'Berlin', text: 'Berlin Berlin is the capital of Germany.' }]);
    const wikiClient = new RetrieverClient(url, { protocol: 'wiki' });
    assert.deepEqual(await wikiClient.search(['capital of Germany'], { topk: 1 }), [[{ text: 'Berlin Berlin is the capital of Germany.' }]]);
    const health = await fetch(url.replace('/retrieve', '/health'));
    assert.deepEqual(await health.json(), { ok: true, engine: engine.name });
  });
});

test('bad requests get a 4xx JSON error with a clear message, and the server keeps serving', async () => {
  await withServer({ apiKey: KEY, maxBatch: 2, maxBodyBytes: 2000 }, async ({ url }) => {
    const auth = { authorization: `Bearer ${KEY}` };
    const cases: Array<[string, Promise<{ status: number; json: Record<string, unknown> }>, number, RegExp]> = [
      ['no key', post(url, '{"queries":["x"],"topk":1}'), 401, /API key/],
      ['wrong key', post(url, '{"queries":["x"],"topk":1}', { authorization: 'Bearer nope-nope-n' }), 401, /API key/],
      ['bad JSON', post(url, '{"queries": [', auth), 400, /not valid JSON/],
      ['not an object', post(url, '[1,2]', auth), 400, /JSON object/],
      ['queries not strings', post(url, '{"queries":[1],"topk":1}', auth), 400, /"queries" must be a non-empty array of strings/],
      ['bad topk', post(url, '{"queries":["x"],"topk":0}', auth), 400, /"topk" must be an integer/],
      ['bad return_scores', post(url, '{"queries":["x"],"topk":1,"return_scores":"yes"}', auth), 400, /"return_scores" must be a boolean/],
      ['batch too large', post(url, '{"queries":["a","b","c"],"topk":1}', auth), 413, /batch of 3 queries exceeds the limit of 2/],
      ['body too large', post(url, JSON.stringify({ queries: ['x'.repeat(5000)], topk: 1 }), auth), 413, /exceeds the limit of 2000 bytes/],
      ['wrong route', post(url.replace('/retrieve', '/search'), '{}', auth), 404, /POST \/retrieve/],
    ];
    for (const [name, reply, status, message] of cases) {
      const { status: got, json } = await reply;
      assert.equal(got, status, name);
      assert.match(String(json.error), message, name);
    }
    const res = await fetch(url, { headers: auth });
    assert.equal(res.status, 405);
    const ok = await post(url, '{"queries":["Paris"],"topk":1}', auth);
    assert.equal(ok.status, 200, 'still serving after all that');
  });
});

test('garbage on the socket gets a 400, not a crash; an engine failure is a 500', async () => {
  const broken: SearchEngine = { name: 'broken', search: async () => Promise.reject(new Error('index on fire')) };
  await withServer(
    {},
    async ({ url, port }) => {
      const reply = await new Promise<string>((resolve) => {
        const sock: net.Socket = net.connect(port, '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
        let data = '';
        sock.on('data', (d: Buffer) => (data += d));
        sock.on('close', () => resolve(data));
        sock.on('error', () => resolve(data));
      });
      assert.match(reply, /^HTTP\/1\.1 400/);
      const failed = await post(url, '{"queries":["x"],"topk":1}');
      assert.equal(failed.status, 500);
      assert.match(String(failed.json.error), /index on fire/);
    },
    broken,
  );
});

test('client: a 4xx is a clear error (never retried, never hidden); a dead server gives No information with onFailure empty', async () => {
  await withServer({ apiKey: KEY }, async ({ url }) => {
    const wrongKey = new RetrieverClient(url, { apiKey: 'wrong', retries: 3, backoffMs: 1, onFailure: 'empty' });
    await assert.rejects(wrongKey.search(['x'], { topk: 1 }), /HTTP 401.*API key/);
  });
  const closed = await serveRetriever(engine, { port: 0 });
  await closed.close();
  const dead = new RetrieverClient(closed.url, { retries: 1, backoffMs: 1, timeoutMs: 2000 });
  await assert.rejects(dead.search(['x'], { topk: 1 }), /request failed.*after 2 attempts/);
  const lenient = new RetrieverClient(closed.url, { retries: 1, backoffMs: 1, onFailure: 'empty' });
  assert.deepEqual(await lenient.search(['x', 'y'], { topk: 1 }), [[NO_INFORMATION_DOC], [NO_INFORMATION_DOC]]);
  assert.throws(() => new RetrieverClient('not a url'), /not a URL/);
});
