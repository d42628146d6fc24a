import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { KvCache } from '../model/kv-cache';
import { WordTokenizer } from '../text/word-tokenizer';
import { Bm25Engine } from '../search/bm25';
import type { Doc, SearchEngine } from '../search/types';
import { POLICY_PROMPT_PREFIX, INVALID_ACTION_MESSAGE } from '../agent/template';
import type { PolicyModel } from '../agent/rollout';
import { readJsonl } from '../util';
import { evaluatePolicy, summarizeRecords, EvalRecord, EvalRow } from './evaluate';
import { directPrompt, ragPrompts, DIRECT_THOUGHT } from './baselines';

const WORDS = 'alpha beta gamma delta city born in where was who is the capital of no information available doc 1 2 3 4 5 think i know answer';
const tokenizer = WordTokenizer.fromCorpus([POLICY_PROMPT_PREFIX, INVALID_ACTION_MESSAGE, WORDS, 'Doc 1: x.', DIRECT_THOUGHT]);
const id = (w: string) => tokenizer.tokenToId(w)!;

before(async () => {
  await initBackend();
});

/**
 * A fake policy that reads the question from its prompt and answers "gamma" when it mentions alpha,
 * "delta" otherwise (one-hot logits, so greedy decoding writes exactly that). Counts rollout batches.
 */
function lookupPolicy(): PolicyModel & { batches: number[] } {
  const V = tokenizer.vocabSize;
  const batches: number[] = [];
  const answerOf = new Map<KvCache, number[][]>();
  return {
    batches,
    config: { vocabSize: V } as PolicyModel['config'],
    newCache(n: number) {
      batches.push(n);
      const cache = new KvCache(n);
      answerOf.set(
        cache,
        Array.from({ length: n }, () => []),
      );
      return cache;
    },
    extend(cache: KvCache, chunks: number[][]) {
      const scripts = answerOf.get(cache)!;
      const out = new Float32Array(chunks.length * V);
      chunks.forEach((chunk, b) => {
        if (chunk.length === 0) return;
        if (scripts[b].length === 0) {
          const word = chunk.includes(id('alpha')) ? 'gamma' : 'delta';
          scripts[b] = [id('<answer>'), id(word), id('</answer>')];
        }
        out[b * V + scripts[b].shift()!] = 10;
        if (scripts[b].length === 0) scripts[b].push(id('</answer>'));
      });
      return tf.tensor2d(out, [chunks.length, V]);
    },
  };
}

const ROWS: EvalRow[] = [
  { id: 'q1', question: 'where was alpha born', golden_answers: ['gamma'], data_source: 'micro-nq' },
  { id: 'q2', question: 'where was beta born', golden_answers: ['gamma'], data_source: 'micro-nq' },
  { id: 'q3', question: 'who is alpha', golden_answers: ['gamma city'], data_source: 'micro-nq' },
  { id: 'q1', question: 'the capital of beta', golden_answers: ['delta'], data_source: 'micro-popqa' },
  { id: 'q2', question: 'the capital of alpha', golden_answers: ['delta'], data_source: 'micro-popqa' },
];

test('every row is evaluated in order, the last partial batch included, scored per set and averaged per set', async () => {
  const policy = lookupPolicy();
  const report = await evaluatePolicy(policy, tokenizer, ROWS, null, { batchSize: 2, quiet: true, rollout: { maxTurns: 1, maxTurnTokens: 5 } });
  assert.deepEqual(policy.batches, [2, 2, 1]);
  assert.deepEqual(
    report.records.map((r) => [r.data_source, r.id, r.prediction]),
    [
      ['micro-nq', 'q1', 'gamma'],
      ['micro-nq', 'q2', 'delta'],
      ['micro-nq', 'q3', 'gamma'],
      ['micro-popqa', 'q1', 'delta'],
      ['micro-popqa', 'q2', 'gamma'],
    ],
  );
  // nq: EM 1,0,0 (gamma ≠ "gamma city"); cover-EM 1,0,0; F1 1, 0, 2/3. popqa: EM 1, 0.
  assert.equal(report.perDataset['micro-nq'].n, 3);
  assert.ok(Math.abs(report.perDataset['micro-nq'].em - 1 / 3) < 1e-12);
  assert.ok(Math.abs(report.perDataset['micro-nq'].f1 - (1 + 2 / 3) / 3) < 1e-12);
  assert.equal(report.perDataset['micro-popqa'].em, 0.5);
  // The paper's Avg: mean of the per-set means (5/12), not the mean over rows (2/5).
  assert.ok(Math.abs(report.average.em - (1 / 3 + 0.5) / 2) < 1e-12);
  assert.equal(report.average.datasets, 2);
});

test('resume: rows already in the predictions file are not rolled out again, and the report is the same', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-eval-'));
  try {
    const file = path.join(dir, 'predictions.jsonl');
    const full = await evaluatePolicy(lookupPolicy(), tokenizer, ROWS, null, {
      batchSize: 2,
      quiet: true,
      predictionsFile: file,
      rollout: { maxTurns: 1, maxTurnTokens: 5 },
    });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    // Simulate a kill during the last batch: 3 rows written, a partial line after them.
    fs.writeFileSync(file, lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 20));
    const policy = lookupPolicy();
    const resumed = await evaluatePolicy(policy, tokenizer, ROWS, null, {
      batchSize: 2,
      quiet: true,
      predictionsFile: file,
      rollout: { maxTurns: 1, maxTurnTokens: 5 },
    });
    assert.deepEqual(policy.batches, [2]);
    assert.deepEqual(resumed.perDataset, full.perDataset);
    assert.deepEqual(
      resumed.records.map((r) => r.prediction),
      full.records.map((r) => r.prediction),
    );
    // The file is whole again: valid JSON on every line, one row per (set, id), and a third run reads it.
    const keys = readJsonl<EvalRecord>(file).map((r) => `${r.data_source}/${r.id}`);
    assert.deepEqual(keys, ['micro-nq/q1', 'micro-nq/q2', 'micro-nq/q3', 'micro-popqa/q1', 'micro-popqa/q2']);
    // A racing second writer left every row twice: a resume keeps one of each and rolls out nothing.
    fs.appendFileSync(file, fs.readFileSync(file, 'utf8'));
    const third = lookupPolicy();
    await evaluatePolicy(third, tokenizer, ROWS, null, { batchSize: 2, quiet: true, predictionsFile: file, rollout: { maxTurns: 1, maxTurnTokens: 5 } });
    assert.deepEqual(third.batches, []);
    assert.equal(readJsonl(file).length, 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad rows are rejected with the row named', async () => {
  const dup = [ROWS[0], { ...ROWS[0] }];
  await assert.rejects(evaluatePolicy(lookupPolicy(), tokenizer, dup, null, { quiet: true }), /rows\[1\] repeats id q1 in micro-nq/);
  await assert.rejects(evaluatePolicy(lookupPolicy(), tokenizer, [{ id: 'x', question: 'q' } as EvalRow], null, { quiet: true }), /rows\[0\] must have/);
});

test('summarizeRecords: searches per question and total search calls', () => {
  const rec = (set: string, em: number, searches: number): EvalRecord => ({
    id: `${set}${em}${searches}`,
    data_source: set,
    question: 'q',
    golden_answers: ['a'],
    prediction: 'a',
    em,
    cover_em: em,
    f1: em,
    searches,
    queries: [],
    finish_reason: 'answer',
    response: '',
  });
  const s = summarizeRecords([rec('a', 1, 2), rec('a', 0, 0), rec('b', 1, 1)]);
  assert.equal(s.searchCalls, 3);
  assert.equal(s.perDataset.a.searches, 1);
  assert.equal(s.average.searches, 1);
  assert.equal(s.average.em, 0.75);
});

test('baselines: direct ends with the no-search thought; RAG retrieves once per question with the question as query', async () => {
  assert.ok(directPrompt('where was alpha born').endsWith(`Question: where was alpha born?\n${DIRECT_THOUGHT}`));
  const calls: string[][] = [];
  const bm25 = Bm25Engine.fromDocs([
    { id: 'a', text: 'alpha was born in gamma city.' },
    { id: 'b', text: 'beta was born in delta city.' },
    { id: 'c', text: 'gamma city lies by the sea.' },
  ] as Doc[]);
  const engine: SearchEngine = {
    name: 'spy',
    search: async (q, o) => {
      calls.push(q);
      return bm25.search(q, o);
    },
  };
  const prompt = await ragPrompts(ROWS, engine, 1);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].length, ROWS.length);
  assert.equal(calls[0][0], 'where was alpha born');
  assert.match(
    prompt('where was alpha born'),
    /<search> where was alpha born <\/search>\n\n<information>Doc 1: alpha was born in gamma city\.<\/information>\n\n$/,
  );
  assert.throws(() => prompt('unknown question'), /no retrieved documents/);
});
