import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createModel, saveCheckpoint } from '../model';
import { WordTokenizer, saveWordTokenizer } from '../text';
import { POLICY_PROMPT_PREFIX } from '../agent';
import { readJsonl, sharedPath, sharedSkip } from '../util';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = sharedPath('data');

function firstLines(file: string, n: number): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, n).join('\n') + '\n';
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/zerosearch.js'), 'eval', ...args], { encoding: 'utf8', env: { ...process.env, ZS_QUIET: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(
  'zerosearch eval on real NQ + Bamboogle rows with BM25: every row (last partial batch), scores per set, resume, baselines',
  { skip: sharedSkip('data') },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-eval-cli-'));
    try {
      for (const [name, n] of [
        ['nq', 5],
        ['bamboogle', 3],
      ] as const) {
        fs.mkdirSync(path.join(dir, name));
        fs.writeFileSync(path.join(dir, name, 'test.jsonl'), firstLines(path.join(SHARED, name, 'test.jsonl'), n));
      }
      const corpus = path.join(dir, 'corpus.jsonl');
      fs.writeFileSync(corpus, firstLines(path.join(SHARED, 'corpus', 'wiki18_sample_1000.jsonl'), 50));
      // An untrained policy over a word vocabulary: enough to drive the whole pipeline.
      const texts = [
        POLICY_PROMPT_PREFIX,
        ...['nq', 'bamboogle'].flatMap((s) => readJsonl<{ question: string }>(path.join(dir, s, 'test.jsonl')).map((r) => r.question)),
      ];
      const tokenizer = WordTokenizer.fromCorpus(texts);
      const policy = path.join(dir, 'policy');
      saveCheckpoint(
        createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, maxPositions: 1024 }, 1),
        policy,
      );
      saveWordTokenizer(tokenizer, policy);
      const data = [path.join(dir, 'nq/test.jsonl'), path.join(dir, 'bamboogle/test.jsonl')];
      const out = path.join(dir, 'out');
      const common = [
        '--policy',
        policy,
        '--engine',
        'bm25',
        '--corpus',
        corpus,
        '--data',
        ...data,
        '--batch-size',
        '3',
        '--max-turns',
        '1',
        '--max-turn-tokens',
        '4',
      ];
      const args = [...common, '--out', out];
      // A context past the policy's 1024 positions is refused before any row runs.
      const tooLong = run([...common, '--max-context', '4096', '--out', path.join(dir, 'too-long')]);
      assert.equal(tooLong.code, 1);
      assert.match(tooLong.stderr, /--max-context 4096: the policy has 1024 positions/);
      const first = run(args);
      assert.equal(first.code, 0, first.stderr);
      const scores = JSON.parse(first.stdout);
      assert.deepEqual(Object.keys(scores.perDataset), ['nq', 'bamboogle']);
      assert.equal(scores.perDataset.nq.n, 5);
      assert.equal(scores.perDataset.bamboogle.n, 3);
      assert.equal(scores.rows, 8);
      const records = readJsonl<{ id: string; data_source: string; response: string }>(path.join(out, 'predictions.jsonl'));
      assert.deepEqual(
        records.map((r) => `${r.data_source}/${r.id}`),
        [0, 1, 2, 3, 4].map((i) => `nq/test_${i}`).concat([0, 1, 2].map((i) => `bamboogle/test_${i}`)),
      );
      // Rerun: everything is already there, nothing is appended, same scores.
      const second = run(args);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(readJsonl(path.join(out, 'predictions.jsonl')).length, 8);
      assert.deepEqual(JSON.parse(second.stdout).perDataset, scores.perDataset);
      // Baselines through the same command.
      for (const method of ['direct', 'rag']) {
        const r = run([...common, '--out', path.join(dir, method), '--method', method]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).rows, 8);
      }
      const bad = run(['--policy', policy, '--engine', 'bm25', '--data', data[0], '--out', out]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--engine bm25 needs --corpus/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('eval: flags are checked before any work; a simulator folder is named by --engine, not --policy; a dead engine fails at the start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-eval-flags-'));
  try {
    const out = path.join(dir, 'out');
    for (const [flag, value, error] of [
      ['--limit', '1e1', /--limit: expected an integer ≥ 1, got "1e1"/],
      ['--seed', 'abc', /--seed: expected an integer, got "abc"/],
      ['--noise', '2', /--noise: expected a number from 0 to 1, got "2"/],
    ] as const) {
      const r = run(['--policy', path.join(dir, 'no-policy'), '--engine', 'none', '--data', path.join(dir, 'no-data.jsonl'), '--out', out, flag, value]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, error);
      assert.equal(fs.existsSync(out), false, `${flag} ${value}: nothing written`);
    }
    const tokenizer = WordTokenizer.fromCorpus([POLICY_PROMPT_PREFIX, 'where was alpha born']);
    const policy = path.join(dir, 'policy');
    saveCheckpoint(createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16 }, 1), policy);
    saveWordTokenizer(tokenizer, policy);
    const data = path.join(dir, 'nq', 'test.jsonl');
    fs.mkdirSync(path.dirname(data));
    fs.writeFileSync(data, JSON.stringify({ id: 'q1', question: 'where was alpha born', golden_answers: ['beta'] }) + '\n');
    const sim = run(['--policy', policy, '--engine', `simulated:${path.join(dir, 'no-sim')}`, '--data', data, '--out', out]);
    assert.equal(sim.code, 1);
    assert.match(sim.stderr, /--engine simulated:.*no-sim: no config\.json/);
    assert.doesNotMatch(sim.stderr, /--policy/);
    // An unreachable engine fails the run as it starts, even when the policy would never search.
    const down = run([
      '--policy',
      policy,
      '--engine',
      'retriever:http://127.0.0.1:9/retrieve',
      '--retries',
      '0',
      '--timeout',
      '2',
      '--data',
      data,
      '--out',
      out,
    ]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /retriever:http:\/\/127\.0\.0\.1:9\/retrieve does not answer/);
    assert.equal(fs.existsSync(path.join(out, 'predictions.jsonl')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
