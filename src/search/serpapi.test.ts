import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'http';
import { AddressInfo } from 'net';
import { SerpApiEngine } from './serpapi';
import { NO_INFORMATION_DOC, renderDocs } from './types';

/** A loopback stand-in for serpapi.com: answers by query text, in SerpAPI's Google response shape. */
async function standIn(): Promise<{ base: string; hits: Map<string, number>; seen: URLSearchParams[]; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const seen: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const params = new URL(req.url!, 'http://x').searchParams;
    seen.push(params);
    const q = params.get('q')!;
    const n = (hits.get(q) ?? 0) + 1;
    hits.set(q, n);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (params.get('api_key') !== 'test-key') return json(401, { error: 'Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key' });
    if (q === 'flaky' && n === 1) return json(500, { error: 'Internal error' });
    if (q === 'slow') return void setTimeout(() => json(200, { organic_results: [] }), 1000);
    if (q === 'garbled') return void res.end('<html>not json');
    if (q === 'nothing') return json(200, { error: "Google hasn't returned any results for this query." });
    const num = Number(params.get('num'));
    json(200, {
      search_metadata: { status: 'Success' },
      organic_results: Array.from({ length: num + 2 }, (_, i) => ({
        position: i + 1,
        title: `${q} title ${i + 1}`,
        link: `https://example.org/${encodeURIComponent(q)}/${i + 1}`,
        snippet: ` snippet ${i + 1}.`,
      })),
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/search.json`,
    hits,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const fast = { backoffMs: 1, timeoutMs: 250, retries: 2 };

test('SerpAPI: request parameters, title+snippet with no separator, topk cut, rendering', async () => {
  const s = await standIn();
  try {
    const engine = new SerpApiEngine({ ...fast, apiKey: 'test-key', baseUrl: s.base });
    const arrived: string[] = [];
    const [docs, other] = await engine.search(['who wrote Hamlet', 'Paris'], { topk: 3, onAnswer: (i, d) => arrived.push(`${i}:${d.length}`) });
    assert.deepEqual(arrived.sort(), ['0:3', '1:3'], 'each query is reported as it finishes');
    assert.deepEqual(Object.fromEntries(s.seen[0]), { engine: 'google', q: 'who wrote Hamlet', api_key: 'test-key', num: '3' });
    assert.equal(docs.length, 3, 'the stand-in returns topk+2 results; we keep topk');
    assert.deepEqual(docs[0], { id: 'https://example.org/who%20wrote%20Hamlet/1', text: 'who wrote Hamlet title 1 snippet 1.' });
    assert.equal(other[2].text, 'Paris title 3 snippet 3.');
    assert.equal(renderDocs(docs).split('\n')[1], 'Doc 2: who wrote Hamlet title 2 snippet 2.');
    assert.deepEqual(await engine.search(['nothing'], { topk: 5 }), [[]], "SerpAPI's no-results error is an empty result");
  } finally {
    await s.close();
  }
});

test('SerpAPI: a 500 is retried; timeouts and malformed JSON fail clearly or give No information', async () => {
  const s = await standIn();
  try {
    const strict = new SerpApiEngine({ ...fast, apiKey: 'test-key', baseUrl: s.base });
    const [flaky] = await strict.search(['flaky'], { topk: 2 });
    assert.equal(flaky.length, 2);
    assert.equal(s.hits.get('flaky'), 2, 'one 500, then success on the retry');
    await assert.rejects(strict.search(['slow'], { topk: 2 }), /SerpAPI query "slow": request timed out after 250 ms \(after 3 attempts\)/);
    await assert.rejects(strict.search(['garbled'], { topk: 2 }), /not valid JSON.*after 3 attempts/);
    const lenient = new SerpApiEngine({ ...fast, apiKey: 'test-key', baseUrl: s.base, onFailure: 'empty' });
    const out = await lenient.search(['garbled', 'fine query'], { topk: 1 });
    assert.deepEqual(out[0], [NO_INFORMATION_DOC]);
    assert.equal(out[1][0].text, 'fine query title 1 snippet 1.', 'one failed query does not lose the others');
    assert.equal(renderDocs(out[0]), 'No information available');
  } finally {
    await s.close();
  }
});

test('SerpAPI: missing or wrong key is a clear error, never hidden as No information, and the key stays out of messages', async () => {
  const s = await standIn();
  const saved = process.env.SERPAPI_API_KEY;
  try {
    delete process.env.SERPAPI_API_KEY;
    await assert.rejects(new SerpApiEngine({ baseUrl: s.base }).search(['x'], { topk: 1 }), /set SERPAPI_API_KEY/);
    await assert.rejects(new SerpApiEngine({ baseUrl: s.base }).check(), /set SERPAPI_API_KEY/, 'the up-front check needs no paid search');
    process.env.SERPAPI_API_KEY = 'wrong-key';
    const wrong = new SerpApiEngine({ ...fast, baseUrl: s.base, onFailure: 'empty' });
    await assert.rejects(wrong.search(['x'], { topk: 1 }), (err: Error) => /HTTP 401.*Invalid API key/.test(err.message) && !err.message.includes('wrong-key'));
    assert.equal(s.hits.get('x'), 1, 'a 401 is not retried');
  } finally {
    if (saved === undefined) delete process.env.SERPAPI_API_KEY;
    else process.env.SERPAPI_API_KEY = saved;
    await s.close();
  }
});
