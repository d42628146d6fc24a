import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { createModel } from '../model';
import { CompletionOptions, LocalGenerator, RemoteGenerator, SimulatedSearchEngine, TextGenerator } from './engine';
import { initBackend } from '../tensor';
import { readJsonl } from '../util';
import { generateWorld } from '../world';
import { CollectedPair } from './collect';
import { evaluateEngines } from './quality';
import { judgeLabeller } from './labels';
import { serveSimulator } from './server';
import { simulatorTokenizer } from './pipeline';

before(async () => {
  await initBackend();
});

/** Five docs echoing the query line, after a short delay (so parallel requests pile up into batches). */
class SlowEcho implements TextGenerator {
  readonly name = 'slow-echo';
  calls: number[] = [];
  async complete(prompts: string[], _o: CompletionOptions): Promise<string[]> {
    this.calls.push(prompts.length);
    await new Promise((r) => setTimeout(r, 30));
    return prompts.map((p) => {
      const query = /Query: (.*)\n(Useful|Noisy) Output:\n$/.exec(p);
      return [1, 2, 3, 4, 5].map((i) => `Doc ${i}: ${query?.[2] ?? '?'} about ${query?.[1] ?? '?'}`).join('\n');
    });
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('the OpenAI-compatible server answers 20 parallel clients in batches, and the remote engine reads it', async () => {
  const generator = new SlowEcho();
  const server = await serveSimulator(generator, { port: 0, maxBatch: 8 });
  try {
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    assert.equal(models.object, 'list');
    assert.equal(models.data[0].id, 'zerosearch-simulator');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(`${server.url}/v1/chat/completions`, {
          model: '',
          max_tokens: 300,
          temperature: 0.8,
          // ZeroSearch sends an empty system message and the prompt as a list of text parts.
          messages: [
            { role: 'system', content: '' },
            { role: 'user', content: [{ type: 'text', text: `Query: q${i}\nUseful Output:\n` }] },
          ],
        }),
      ),
    );
    replies.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.json.choices[0].message.content.split('\n')[0], `Doc 1: Useful about q${i}`);
      assert.equal(r.json.choices[0].finish_reason, 'stop');
    });
    assert.equal(
      generator.calls.reduce((a, b) => a + b, 0),
      20,
    );
    assert.ok(generator.calls.length < 20 && Math.max(...generator.calls) <= 8, `batches ${generator.calls}`);

    const engine = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: server.url, concurrency: 4 }), noiseProbability: 0.5, seed: 3 });
    await engine.check(); // GET /v1/models, as the run's up-front check does
    await assert.rejects(
      new RemoteGenerator({ baseUrl: 'http://127.0.0.1:9', retries: 0 }).check(),
      /simulator server http:\/\/127\.0\.0\.1:9 does not answer/,
    );
    const r = await engine.searchDetailed(['alpha born', 'beta country', 'gamma capital', 'delta founder'], { topk: 5 });
    r.docs.forEach((docs, i) => {
      assert.equal(docs.length, 5);
      assert.equal(docs[0].text, `${r.noisy[i] ? 'Noisy' : 'Useful'} about ${['alpha born', 'beta country', 'gamma capital', 'delta founder'][i]}`);
    });
    assert.ok(r.wellFormed.every(Boolean));
  } finally {
    await server.close();
  }
});

test('bad requests get a 4xx with a clear message; the API key is enforced', async () => {
  const server = await serveSimulator(new SlowEcho(), { port: 0, apiKey: 'sekret', maxTokens: 100, maxBodyBytes: 2000 });
  const url = `${server.url}/v1/chat/completions`;
  const auth = { authorization: 'Bearer sekret' };
  try {
    assert.equal((await post(url, { messages: [{ role: 'user', content: 'x' }] })).status, 401);
    const cases: Array<[unknown, number, RegExp]> = [
      ['{not json', 400, /not valid JSON/],
      [{ messages: [] }, 400, /non-empty array/],
      [{ messages: [{ role: 'robot', content: 'x' }] }, 400, /role/],
      [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 101 }, 400, /max_tokens/],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: -1 }, 400, /temperature/],
      [{ messages: [{ role: 'user', content: 'x'.repeat(3000) }] }, 413, /exceeds the limit/],
    ];
    for (const [body, status, message] of cases) {
      const r = await post(url, body, auth);
      assert.equal(r.status, status, JSON.stringify(body).slice(0, 60));
      assert.match(r.json.error.message, message);
    }
    assert.equal((await fetch(`${server.url}/v1/nothing`, { headers: auth })).status, 404);
    assert.equal((await post(url, { messages: [{ role: 'user', content: 'Query: z\nUseful Output:\n' }], max_tokens: 50 }, auth)).status, 200);
  } finally {
    await server.close();
  }
});

test('the server drives the in-process model end to end', async () => {
  const world = generateWorld('tiny', 2);
  const tokenizer = simulatorTokenizer(world);
  const model = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }, 1);
  const server = await serveSimulator(new LocalGenerator(model, tokenizer), { port: 0 });
  try {
    const engine = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: `${server.url}/v1` }), maxTokens: 12, seed: 1 });
    const r = await engine.searchDetailed(['zed born', 'ora country'], { topk: 5 });
    assert.equal(r.raw.length, 2);
    // An untrained model writes junk: every query still gets its output back, with the problems named.
    r.raw.forEach((raw, i) => assert.ok(r.wellFormed[i] || r.problems[i].length > 0, raw));
  } finally {
    await server.close();
    model.dispose();
  }
});

test('LocalGenerator continues a prefix: the same tokens as prompting with prompt + prefix, within the whole budget', async () => {
  const world = generateWorld('tiny', 2);
  const tokenizer = simulatorTokenizer(world);
  const model = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }, 3);
  try {
    const generator = new LocalGenerator(model, tokenizer);
    const prompt = 'Query: zed born\nUseful Output:\n';
    const prefix = 'Doc 1: zed was born . Doc 2:';
    const opts = { temperature: 1, maxTokens: 20, seed: 4 };
    const [continued] = await generator.complete([prompt], { ...opts, prefixes: [prefix] });
    const prefixTokens = tokenizer.encode(prefix).length;
    assert.equal(tokenizer.encode(continued as string).length, 20 - prefixTokens, 'maxTokens bounds prefix + new text');
    const [joined] = await generator.complete([`${prompt}${prefix}`], { ...opts, maxTokens: 20 - prefixTokens });
    assert.equal(continued, joined);
    await assert.rejects(generator.complete([prompt], { ...opts, prefixes: [] }), /0 prefixes for 1 prompts/);
  } finally {
    model.dispose();
  }
});

test('a prompt longer than the context: 400 from the server, an error in its own slot, and the other rows of its batch unaffected', async () => {
  const world = generateWorld('tiny', 2);
  const tokenizer = simulatorTokenizer(world);
  const model = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 24 }, 5);
  const generator = new LocalGenerator(model, tokenizer);
  const [a, b] = ['Query: zed born\nUseful Output:\n', 'Query: ora country\nNoisy Output:\n'];
  const long = `Query: ${'zed born '.repeat(20)}\nUseful Output:\n`;
  const server = await serveSimulator(generator, { port: 0, maxBatch: 8 });
  try {
    const opts = { temperature: 1, maxTokens: 6, seed: 9 };
    const alone = await generator.completeDetailed([a, 'Query: x\nUseful Output:\n', b], opts);
    const mixed = await generator.completeDetailed([a, long, b], opts);
    assert.ok(mixed[1] instanceof Error && /prompt is \d+ tokens; the model's context holds 24/.test(mixed[1].message));
    assert.deepEqual([mixed[0], mixed[2]], [alone[0], alone[2]], 'the other rows generate exactly as without the long prompt');
    assert.ok(typeof alone[0] !== 'string' && !(alone[0] instanceof Error) && alone[0].text.length > 0);

    const ask = (content: string, max_tokens: number) => post(`${server.url}/v1/chat/completions`, { max_tokens, messages: [{ role: 'user', content }] });
    const [ra, rl, rb] = await Promise.all([ask(a, 6), ask(long, 6), ask(b, 6)]);
    assert.equal(rl.status, 400);
    assert.match(rl.json.error.message, /prompt is \d+ tokens; the model's context holds 24/);
    for (const r of [ra, rb]) {
      assert.equal(r.status, 200);
      assert.ok(r.json.choices[0].message.content.length > 0, 'not emptied by the long prompt');
    }
    // max_tokens cut it: "length" (a generator that cannot tell reports "stop", see the first test).
    const cut = (await ask(a, 2)).json.choices[0];
    assert.equal(cut.finish_reason, 'length');
  } finally {
    await server.close();
    model.dispose();
  }
});

test('a dead or silent server gives a clear error after the retries; an evaluation keeps what it finished', async () => {
  // Dead: a port nobody listens on.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const dead = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: `http://127.0.0.1:${deadPort}`, retries: 2, backoffMs: 5 }) });
  await assert.rejects(dead.search(['q'], { topk: 5 }), /1 of 1 queries failed.*request failed.*after 3 attempts/);
  const tolerant = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: `http://127.0.0.1:${deadPort}`, retries: 0 }), onFailure: 'empty' });
  assert.deepEqual(
    (await tolerant.search(['q'], { topk: 5 }))[0].map((d) => d.text),
    ['No information available'],
  );

  // Silent: accepts the connection, never answers.
  const silent = http.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const slow = new SimulatedSearchEngine({
    generator: new RemoteGenerator({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 100, retries: 1, backoffMs: 5 }),
  });
  await assert.rejects(slow.search(['q'], { topk: 5 }), /timed out after 100 ms.*after 2 attempts/);
  silent.closeAllConnections();
  await new Promise<void>((r) => silent.close(() => r()));

  // A server that dies after the first batch: the finished batch is on disk, and a rerun resumes after it.
  const generator = new SlowEcho();
  const server = await serveSimulator(generator, { port: 0 });
  const engine = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: server.url, retries: 0 }) });
  const queries = Array.from({ length: 4 }, (_, i) => ({ query: `q${i}`, question: `q${i}?`, answer: 'a', hopAnswers: ['useful'] }));
  const recordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quality-')), 'records.jsonl');
  const original = generator.complete.bind(generator);
  let served = 0;
  generator.complete = async (p: string[], o: CompletionOptions) => {
    served += p.length;
    if (served > 2) await server.close(); // the third prompt finds the server gone
    return original(p, o);
  };
  await assert.rejects(evaluateEngines([{ name: 'remote', engine, quality: 'useful' }], queries, { batchSize: 2, recordFile }));
  assert.deepEqual(
    readJsonl<{ i: number }>(recordFile).map((r) => r.i),
    [0, 1],
  );
  const restarted = await serveSimulator(new SlowEcho(), { port: 0 });
  const again = new SimulatedSearchEngine({ generator: new RemoteGenerator({ baseUrl: restarted.url }) });
  const { rows } = await evaluateEngines([{ name: 'remote', engine: again, quality: 'useful' }], queries, { batchSize: 2, recordFile });
  assert.equal(rows[0].queries, 4);
  assert.equal(rows[0].answerRate, 1);
  await restarted.close();
});

test('judge labels come from an OpenAI-compatible API', async () => {
  // A fake judge: "yes" when the document mentions the query's first word.
  const judge = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const prompt: string = JSON.parse(body).messages.at(-1).content;
      const query = /Query: (\S+)/.exec(prompt)![1];
      const doc = /Document: (.*)/.exec(prompt)![1];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: doc.includes(query) ? 'Yes.' : 'No' } }] }));
    });
  });
  await new Promise<void>((r) => judge.listen(0, '127.0.0.1', () => r()));
  const pair = (query: string, text: string) => ({ query, doc: { text } }) as unknown as CollectedPair;
  const labels = await judgeLabeller({ baseUrl: `http://127.0.0.1:${(judge.address() as AddressInfo).port}`, concurrency: 2 })([
    pair('zed', 'zed was born in ora'),
    pair('ora', 'nothing here'),
    pair('kal', 'kal works for nim'),
  ]);
  assert.deepEqual(labels, [true, false, true]);
  await new Promise<void>((r) => judge.close(() => r()));
});
