import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bm25Engine } from './bm25';
import { corpusHash, readCorpus } from './corpus';
import { PlainBm25 } from './plain-bm25.testutil';
import { makeTermTokenizer, sStem } from './tokenize';
import { Doc, NO_INFORMATION_DOC, parseContents, renderDocs, toContents, wrapObservation } from './types';

const CORPUS: Doc[] = [
  { id: 'a', text: 'The river Thames flows through London, the capital of England.' },
  { id: 'b', text: 'Paris is the capital and largest city of France. The Seine flows through Paris.' },
  { id: 'c', text: 'London London London is a city; many cities have a river and a bridge.' },
  { id: 'd', text: 'Berlin is the capital of Germany. The Spree river flows through Berlin and Berlin has bridges.' },
  { id: 'e', text: 'Café culture in Paris: cafés, bridges and the river Seine at night.' },
  { id: 'f', text: 'Mount Everest is the highest mountain above sea level.' },
];
const QUERIES = ['capital river', 'London bridge', 'Paris cafe', 'highest mountain', 'the capital of England', 'zzz unknown'];
const mkdtemp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zs-bm25-'));
/** wink-bm25-text-search keeps each query term's share of a score to 9 decimals. */
const SCORE_TOLERANCE = 1e-8;

test('BM25 scores and ranking equal an independent textbook BM25 (k1 0.9, b 0.4)', async () => {
  const tokenize = makeTermTokenizer();
  const engine = Bm25Engine.fromDocs(CORPUS);
  const plain = new PlainBm25(
    CORPUS.map((d) => tokenize(d.text)),
    0.9,
    0.4,
  );
  const results = await engine.search(QUERIES, { topk: 10 });
  QUERIES.forEach((q, qi) => {
    const want = [...plain.scores(tokenize(q))].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    const got = results[qi];
    assert.deepEqual(
      got.map((d) => d.id),
      want.map(([i]) => CORPUS[i].id),
      `ranking for "${q}"`,
    );
    got.forEach((d, i) => assert.ok(Math.abs(d.score! - want[i][1]) < SCORE_TOLERANCE, `score of ${d.id} for "${q}"`));
  });
  assert.deepEqual(results[5], [], 'a query sharing no term with the corpus finds nothing');
  assert.equal((await engine.search(['capital river'], { topk: 2 }))[0].length, 2);
});

test('a titled document is indexed as "title\ntext", one field, like Pyserini contents', async () => {
  const docs: Doc[] = [
    { id: '1', title: 'London', text: 'A large city on the river Thames.' },
    { id: '2', title: 'Thames', text: 'A river in England that flows through London and Oxford.' },
    { id: '3', title: 'Oxford', text: 'A university city. Oxford is north-west of London.' },
  ];
  const tokenize = makeTermTokenizer();
  const plain = new PlainBm25(docs.map((d) => tokenize(`${d.title}\n${d.text}`)));
  const engine = Bm25Engine.fromDocs(docs);
  for (const q of ['London river', 'Oxford university', 'Thames']) {
    const want = plain.scores(tokenize(q));
    const [got] = await engine.search([q], { topk: 3 });
    assert.equal(got.length, want.size);
    for (const d of got) assert.ok(Math.abs(d.score! - want.get(Number(d.id) - 1)!) < SCORE_TOLERANCE, `score of ${d.id} for "${q}"`);
  }
  // "london" is in every document: Lucene's idf (wink's with k = 1) keeps it positive, not zero or negative.
  const [everywhere] = await engine.search(['London'], { topk: 3 });
  assert.equal(everywhere.length, 3);
  for (const d of everywhere) assert.ok(d.score! > 0 && Math.abs(d.score! - plain.scores(['london']).get(Number(d.id) - 1)!) < SCORE_TOLERANCE);
});

test('k1 and b are options and change scores', async () => {
  const [a] = await Bm25Engine.fromDocs(CORPUS).search(['London'], { topk: 1 });
  const [b] = await Bm25Engine.fromDocs(CORPUS, { k1: 1.2, b: 0.75 }).search(['London'], { topk: 1 });
  assert.notEqual(a[0].score, b[0].score);
  const names = [{}, { k1: 0.9, b: 0.4 }, { k1: 1.2 }, { stem: 'none' as const }].map((o) => Bm25Engine.fromDocs(CORPUS, o).name);
  assert.match(names[0], /^bm25:[0-9a-f]{16}:k1=0\.9:b=0\.4$/);
  assert.equal(names[1], names[0], 'explicit defaults name the same engine');
  assert.equal(new Set(names).size, 3, 'options that change results change the name (it keys caches)');
  assert.throws(() => Bm25Engine.fromDocs(CORPUS, { b: 2 }), /0 ≤ b ≤ 1/);
  await assert.rejects(Bm25Engine.fromDocs(CORPUS).search(['x'], { topk: 0 }), /topk must be a positive integer/);
  assert.throws(() => Bm25Engine.fromDocs(CORPUS.slice(0, 2)), /at least 3 documents .* got 2/);
});

test('tokenizer: unicode split, lowercase, accent folding, stopwords, S-stemmer', () => {
  assert.deepEqual(makeTermTokenizer()("Beyoncé's 1994–95 TOUR of Zürich"), ['beyonce', 's', '1994', '95', 'tour', 'zurich']);
  assert.deepEqual(makeTermTokenizer({ stopwords: null, foldAccents: false })('The Café'), ['the', 'café']);
  assert.deepEqual(makeTermTokenizer()('films cities boxes glass bus'), ['film', 'city', 'boxe', 'glass', 'bus']);
  assert.deepEqual(makeTermTokenizer({ stem: 'none' })('films'), ['films']);
  assert.deepEqual(['ties', 'plays', 'goes', 'is', 'news'].map(sStem), ['ty', 'play', 'goes', 'is', 'new']);
});

test('save/load round trip gives identical results; a stale or differently tokenised index is caught', async () => {
  const dir = mkdtemp();
  const engine = Bm25Engine.fromDocs(CORPUS);
  engine.save(dir);
  const loaded = Bm25Engine.load(dir, { expectCorpusHash: corpusHash(CORPUS) });
  assert.deepEqual(await loaded.search(QUERIES, { topk: 4 }), await engine.search(QUERIES, { topk: 4 }));
  assert.equal(loaded.name, engine.name);
  assert.throws(() => Bm25Engine.load(dir, { expectCorpusHash: 'deadbeef' }), /stale index/);
  assert.throws(() => Bm25Engine.load(dir, { stem: 'none' }), /other tokenizer options/);
  assert.deepEqual(fs.readdirSync(dir), ['bm25-index.json'], 'no temp files left behind');
  // wink fixes k1 and b when indexing, so other ones re-index the saved documents.
  const other = { k1: 1.2, b: 0.75 };
  assert.deepEqual(await Bm25Engine.load(dir, other).search(QUERIES, { topk: 4 }), await Bm25Engine.fromDocs(CORPUS, other).search(QUERIES, { topk: 4 }));
  const file = path.join(dir, 'bm25-index.json');
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...saved, index: [1, 2] }));
  assert.throws(() => Bm25Engine.load(dir), /bm25-index\.json: malformed index/);
  fs.writeFileSync(file, JSON.stringify({ ...saved, version: 1 }));
  assert.throws(() => Bm25Engine.load(dir), /format version 1, expected 2; rebuild it/);
});

test('fromCorpusFile reuses a saved index and rebuilds it when the corpus changes', async () => {
  const dir = mkdtemp();
  const file = path.join(dir, 'corpus.jsonl');
  const indexDir = path.join(dir, 'index');
  fs.writeFileSync(file, CORPUS.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const first = Bm25Engine.fromCorpusFile(file, { indexDir });
  const saved = fs.statSync(path.join(indexDir, 'bm25-index.json')).mtimeMs;
  const second = Bm25Engine.fromCorpusFile(file, { indexDir });
  assert.equal(fs.statSync(path.join(indexDir, 'bm25-index.json')).mtimeMs, saved, 'reused, not rewritten');
  assert.deepEqual(await second.search(QUERIES, { topk: 3 }), await first.search(QUERIES, { topk: 3 }));
  fs.appendFileSync(file, JSON.stringify({ id: 'g', text: 'Everest mountain mountain mountain' }) + '\n');
  const third = Bm25Engine.fromCorpusFile(file, { indexDir });
  assert.notEqual(third.corpusHash, first.corpusHash);
  assert.equal((await third.search(['mountain'], { topk: 1 }))[0][0].id, 'g', 'the rebuilt index has the new document');
  const fourth = Bm25Engine.fromCorpusFile(file, { indexDir, k1: 1.2 });
  assert.equal(JSON.parse(fs.readFileSync(path.join(indexDir, 'bm25-index.json'), 'utf8')).k1, 1.2, 'other k1: rebuilt and saved');
  assert.deepEqual(await fourth.search(QUERIES, { topk: 3 }), await Bm25Engine.fromDocs(readCorpus(file), { k1: 1.2 }).search(QUERIES, { topk: 3 }));
});

test('readCorpus reads {id,title,text} and FlashRAG {id,contents}; bad rows name file, row and field', () => {
  const dir = mkdtemp();
  const file = path.join(dir, 'c.jsonl');
  fs.writeFileSync(
    file,
    [JSON.stringify({ id: 7, contents: '"Evan Morris"\nEvan L. Morris was a lobbyist.' }), JSON.stringify({ title: 'T', text: 'body' })].join('\n'),
  );
  assert.deepEqual(readCorpus(file), [
    { id: '7', title: 'Evan Morris', text: 'Evan L. Morris was a lobbyist.' },
    { id: '1', title: 'T', text: 'body' },
  ]);
  fs.writeFileSync(file, JSON.stringify({ id: 'x', body: 'no text field' }) + '\n');
  assert.throws(() => readCorpus(file), /c\.jsonl: row 1: expected a string field "text"/);
  fs.writeFileSync(file, JSON.stringify({ id: 'x', text: 'a' }) + '\n' + JSON.stringify({ id: 'x', text: 'b' }) + '\n');
  assert.throws(() => readCorpus(file), /row 2: duplicate id "x"/);
  assert.deepEqual(parseContents(toContents({ title: 'A "B"', text: 'line1\nline2' })), { title: 'A "B"', text: 'line1\nline2' });
});

test('renderDocs / wrapObservation follow ZeroSearch: "Doc i: title text" lines inside <information>', () => {
  const rendered = renderDocs([{ title: 'Paris', text: 'Capital of France.' }, { text: 'No title here.' }]);
  assert.equal(rendered, 'Doc 1: Paris Capital of France.\nDoc 2: No title here.');
  assert.equal(wrapObservation(rendered + '\n'), '\n\n<information>Doc 1: Paris Capital of France.\nDoc 2: No title here.</information>\n\n');
  assert.equal(renderDocs([NO_INFORMATION_DOC]), 'No information available');
  assert.equal(renderDocs([]), '');
});
