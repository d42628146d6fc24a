import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadQaJsonl, preprocessQuestion } from './qa';
import { BENCHMARKS, BENCHMARK_NAMES, benchmarkFile, benchmarkInfo, loadBenchmark } from './benchmarks';
import { sharedPath, sharedSkip } from '../util';

const SHARED = sharedPath('data');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'zs-qa-'));
}

test('preprocessQuestion strips and appends "?" once (Search-R1 rule)', () => {
  assert.equal(preprocessQuestion('  who got the first nobel prize in physics \n'), 'who got the first nobel prize in physics?');
  assert.equal(preprocessQuestion('Is it?'), 'Is it?');
  assert.equal(preprocessQuestion('Is it? '), 'Is it?');
  assert.equal(preprocessQuestion('Name it.'), 'Name it.?'); // only "?" counts, as in Search-R1
  assert.throws(() => preprocessQuestion('  '), /empty/);
});

test('loadQaJsonl reads real rows and tags the data source', { skip: sharedSkip('data') }, () => {
  const nq = loadQaJsonl(path.join(SHARED, 'nq/test.jsonl'), { limit: 3 });
  assert.equal(nq.length, 3);
  assert.deepEqual(nq[0], { id: 'test_0', question: 'who got the first nobel prize in physics', golden_answers: ['Wilhelm Conrad Röntgen'], data_source: 'nq' });
  assert.deepEqual(nq[2].golden_answers, ['Olivia', 'MFSK']);
  const hotpot = loadQaJsonl(path.join(SHARED, 'hotpotqa/dev.jsonl'), { dataSource: 'hotpot-dev' });
  assert.equal(hotpot.length, 7405);
  assert.ok(hotpot.every((r) => r.data_source === 'hotpot-dev'));
  const bamboogle = loadQaJsonl(path.join(SHARED, 'bamboogle/test.jsonl'));
  assert.equal(bamboogle.length, 125);
  assert.equal(bamboogle[124].id, 'test_124');
});

test('loadQaJsonl: errors name file:line and the field', () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'bad.jsonl');
    const cases: Array<[string, RegExp]> = [
      ['{"id": "a", "golden_answers": ["x"]}', /bad\.jsonl:2: missing field "question"/],
      ['{"id": "a", "question": "q"}', /bad\.jsonl:2: missing field "golden_answers"/],
      ['{"question": "q", "golden_answers": ["x"]}', /bad\.jsonl:2: missing field "id"/],
      ['{"id": "a", "question": "q", "golden_answers": []}', /bad\.jsonl:2: field "golden_answers" must be a non-empty array/],
      ['{"id": "a", "question": "q", "golden_answers": ["x", {"a": 1}]}', /bad\.jsonl:2: golden_answers\[1\] must be a string/],
      ['{"id": "a", "question": "", "golden_answers": ["x"]}', /bad\.jsonl:2: field "question" must be a non-empty string/],
      ['{"id": "a", "question": "q", "golden_answers": ["x"]', /bad\.jsonl:2: not valid JSON/],
      ['["a"]', /bad\.jsonl:2: expected a JSON object/],
      ['{"id": "z", "question": "q", "golden_answers": ["x"]}', /bad\.jsonl:2: duplicate id "z" \(first on line 1\)/],
    ];
    for (const [line, re] of cases) {
      fs.writeFileSync(file, `{"id": "z", "question": "q", "golden_answers": ["x"]}\n${line}\n`);
      assert.throws(() => loadQaJsonl(file), re, line);
    }
    assert.throws(() => loadQaJsonl(path.join(dir, 'none.jsonl')), /none\.jsonl: file not found/);
    // Numbers are accepted where sets store them (integer ids, year answers); blank lines are skipped.
    fs.writeFileSync(file, '{"id": 7, "question": "q", "golden_answers": [1987], "data_source": "x"}\n\n');
    assert.deepEqual(loadQaJsonl(file), [{ id: '7', question: 'q', golden_answers: ['1987'], data_source: 'x' }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('benchmark registry: seven sets in the paper order with FlashRAG paths', () => {
  assert.deepEqual([...BENCHMARK_NAMES], ['nq', 'triviaqa', 'popqa', 'hotpotqa', '2wikimultihopqa', 'musique', 'bamboogle']);
  assert.deepEqual(BENCHMARK_NAMES.map((n) => BENCHMARKS[n].label), ['NQ', 'TriviaQA', 'PopQA', 'HotpotQA', '2Wiki', 'Musique', 'Bamboogle']);
  assert.equal(benchmarkFile('hotpotqa', '/b'), '/b/hotpotqa/dev.jsonl');
  assert.equal(benchmarkFile('nq', '/b'), '/b/nq/test.jsonl');
  assert.deepEqual(BENCHMARK_NAMES.filter((n) => benchmarkInfo(n).inDomain), ['nq', 'hotpotqa']);
  assert.throws(() => benchmarkInfo('squad'), /unknown benchmark "squad" \(expected one of nq, triviaqa/);
  assert.throws(() => loadBenchmark('nq', { root: '/nonexistent' }), /file not found.*download-benchmarks\.sh/);
});

test('the download script and the registry agree (splits, row counts) and the script fetches into the layout loadBenchmark reads', { skip: sharedSkip('data') }, () => {
  const script = path.resolve(__dirname, '../../data/download-benchmarks.sh');
  const text = fs.readFileSync(script, 'utf8');
  for (const name of BENCHMARK_NAMES) {
    const info = BENCHMARKS[name];
    assert.match(text, new RegExp(`\\[${name}\\]=${info.split}\\b`), `${name} split`);
    assert.match(text, new RegExp(`\\[${name}\\]=${info.rows}\\b`), `${name} rows`);
  }
  // A local stand-in for the Hugging Face endpoint (curl reads file:// URLs).
  const dir = tmpDir();
  try {
    const remote = path.join(dir, 'hf/datasets/RUC-NLPIR/FlashRAG_datasets/resolve/main');
    fs.mkdirSync(path.join(remote, 'bamboogle'), { recursive: true });
    fs.copyFileSync(path.join(SHARED, 'bamboogle/test.jsonl'), path.join(remote, 'bamboogle/test.jsonl'));
    const out = path.join(dir, 'benchmarks');
    const log = execFileSync('bash', [script, 'bamboogle'], { env: { ...process.env, HF_ENDPOINT: `file://${dir}/hf`, OUT: out }, stdio: 'pipe' }).toString();
    assert.match(log, /bamboogle: 125 rows/);
    const rows = loadBenchmark('bamboogle', { root: out, limit: 5 });
    assert.equal(rows.length, 5);
    assert.equal(rows[0].data_source, 'bamboogle');
    assert.throws(() => execFileSync('bash', [script, 'squad'], { stdio: 'pipe' }), /unknown benchmark 'squad'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
