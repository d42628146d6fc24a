/**
 * Answer-recall@5 of the BM25 engine on real QA samples and their passage corpora (shared/data,
 * see SOURCES.md), against a textbook BM25 over bare lowercase tokens written here. Prints both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { readJsonl, sharedPath, sharedSkip } from '../util';
import { Bm25Engine } from './bm25';
import { readCorpus } from './corpus';
import { PlainBm25, plainTokens } from './plain-bm25.testutil';

const DATA = sharedPath('data');
const TOPK = 5;
const SETS = [
  { qa: 'hotpotqa/dev_distractor_first_103.jsonl', corpus: 'corpus/hotpotqa_passages.jsonl' },
  { qa: '2wikimultihopqa/dev_first_200.jsonl', corpus: 'corpus/2wikimultihopqa_passages.jsonl' },
  { qa: 'nq/llmfoundry_openbook_824.jsonl', corpus: 'corpus/nq_passages.jsonl' },
];
/** Ours may trail plain BM25 by at most one question in a hundred on any set. */
const TOLERANCE = 0.01;

/** SQuAD-style normalisation: lowercase, punctuation → space, drop articles, squeeze spaces. */
const normalize = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Fraction of questions with a gold answer, as whole normalised words, inside one of their retrieved passages. */
function answerRecall(golds: string[][], retrieved: string[][]): number {
  let hits = 0;
  golds.forEach((answers, i) => {
    const passages = retrieved[i].map((p) => ` ${normalize(p)} `);
    if (answers.some((a) => normalize(a) && passages.some((p) => p.includes(` ${normalize(a)} `)))) hits++;
  });
  return hits / golds.length;
}

test('BM25 answer-recall@5 on HotpotQA / 2Wiki / NQ samples is at least plain BM25’s', { skip: sharedSkip('data') }, async () => {
  for (const set of SETS) {
    const docs = readCorpus(path.join(DATA, set.corpus));
    const rows = readJsonl<{ question: string; golden_answers: string[] }>(path.join(DATA, set.qa));
    const questions = rows.map((r) => r.question);
    const golds = rows.map((r) => r.golden_answers);
    const passage = (i: number) => `${docs[i].title ?? ''} ${docs[i].text}`;

    const engine = Bm25Engine.fromDocs(docs);
    const ours = (await engine.search(questions, { topk: TOPK })).map((found) => found.map((d) => `${d.title ?? ''} ${d.text}`));
    const plain = new PlainBm25(
      docs.map((_, i) => plainTokens(passage(i))),
      0.9,
      0.4,
    );
    const baseline = questions.map((q) => plain.top(plainTokens(q), TOPK).map(passage));

    const [r1, r0] = [answerRecall(golds, ours), answerRecall(golds, baseline)];
    console.log(`${set.qa} (${rows.length} questions, ${docs.length} passages): answer-recall@${TOPK} ours ${r1.toFixed(3)}, plain BM25 ${r0.toFixed(3)}`);
    assert.ok(r1 >= r0 - TOLERANCE, `${set.qa}: ours ${r1} < plain ${r0} − ${TOLERANCE}`);
    assert.ok(r1 > 0.4, `${set.qa}: recall ${r1} is implausibly low for BM25 over the gold passages' corpus`);
  }
});
