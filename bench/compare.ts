/**
 * `npm run bench:compare`: the kit's bench and its PyTorch twin (bench/torch_bench.py) side by side on
 * this machine, for M1 and M2, and the ratio table ours / PyTorch. Each round runs both with 1 and
 * with 2 BLAS threads (ours: ZS_NATIVE_THREADS); every figure is the best over rounds and thread
 * counts, for both sides alike, because a shared machine only ever makes runs slower.
 * Saves results/bench/compare.json.
 *
 *   npx tsx bench/compare.ts [--rounds 2] [--configs M1,M2] [--python /usr/bin/python3]
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { writeJsonAtomic } from '../src/util';

type Result = { backend: string; threads: number; train_tokens_per_s: number; generate_tokens_per_s: number; params: number };

const root = path.join(__dirname, '..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function lastJsonLine(stdout: string, what: string): Result {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`${what} printed no JSON line:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as Result;
}

function runOurs(config: string, threads: number): Result {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const out = execFileSync(tsx, [path.join(root, 'src', 'cli.ts'), 'bench', '--config', config, '--no-profile'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ZS_QUIET: '1', ZS_NATIVE_THREADS: String(threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return lastJsonLine(out, `zerosearch bench --config ${config}`);
}

function runTorch(python: string, config: string, threads: number): Result {
  const out = execFileSync(python, [path.join(root, 'bench', 'torch_bench.py'), '--config', config, '--threads', String(threads)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return lastJsonLine(out, `torch_bench.py --config ${config} --threads ${threads}`);
}

function best(results: Result[], key: 'train_tokens_per_s' | 'generate_tokens_per_s'): Result {
  return results.reduce((a, b) => (b[key] > a[key] ? b : a));
}

function main(): void {
  const rounds = Number(arg('rounds', '2'));
  const configs = arg('configs', 'M1,M2').split(',');
  const python = arg('python', '/usr/bin/python3');
  const rows: Array<Record<string, unknown>> = [];
  for (const config of configs) {
    const ours: Result[] = [];
    const torch: Result[] = [];
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(`[compare] ${config} round ${r + 1}/${rounds}\n`);
      for (const threads of [1, 2]) {
        ours.push(runOurs(config, threads));
        torch.push(runTorch(python, config, threads));
      }
    }
    const [oT, oG, tT, tG] = [
      best(ours, 'train_tokens_per_s'),
      best(ours, 'generate_tokens_per_s'),
      best(torch, 'train_tokens_per_s'),
      best(torch, 'generate_tokens_per_s'),
    ];
    rows.push({
      config,
      params: oT.params,
      backend: oT.backend,
      ours_train: oT.train_tokens_per_s,
      ours_train_threads: oT.threads,
      torch_train: Math.round(tT.train_tokens_per_s),
      torch_train_threads: tT.threads,
      train_ratio: +(oT.train_tokens_per_s / tT.train_tokens_per_s).toFixed(2),
      ours_generate: oG.generate_tokens_per_s,
      ours_generate_threads: oG.threads,
      torch_generate: Math.round(tG.generate_tokens_per_s),
      torch_generate_threads: tG.threads,
      generate_ratio: +(oG.generate_tokens_per_s / tG.generate_tokens_per_s).toFixed(2),
      runs: { ours, torch },
    });
  }
  writeJsonAtomic(path.join(root, 'results', 'bench', 'compare.json'), { date: new Date().toISOString(), rounds, rows });
  const table = [
    '| config | params | backend | train tok/s ours | train tok/s PyTorch | ratio | generate tok/s ours | generate tok/s PyTorch | ratio |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.config} | ${r.params} | ${r.backend} | ${r.ours_train} (${r.ours_train_threads} thr) | ${r.torch_train} (${r.torch_train_threads} thr) | ${r.train_ratio}× | ${r.ours_generate} (${r.ours_generate_threads} thr) | ${r.torch_generate} (${r.torch_generate_threads} thr) | ${r.generate_ratio}× |`,
    ),
  ];
  process.stdout.write(table.join('\n') + '\n');
}

main();
