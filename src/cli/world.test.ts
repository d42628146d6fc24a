import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { register } from './world';
import { readJson, readJsonl } from '../util';
import type { WorldStats } from '../world';

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'zerosearch', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('zerosearch world writes the world and prints stats with BM25 recall', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-cli-world-'));
  const out = await run(['world', '--preset', 'tiny', '--seed', '5', '--out', dir, '--second-out', path.join(dir, 'second')]);
  assert.match(out, /micro-bamboogle/);
  assert.match(out, /hop-recall@3/);
  const stats = readJson<WorldStats>(path.join(dir, 'stats.json'));
  // Canonical hop queries ("<entity> <relation word>") must find their answer in BM25's top 3.
  for (const [set, r] of Object.entries(stats.recall!.sets)) assert.ok(r.hopRecall >= 0.95, `${set} hop recall ${r.hopRecall}`);
  assert.ok(stats.recall!.sets['micro-nq'].questionRecall >= 0.9); // single-hop questions name their entity
  const corpus = readJsonl<{ id: string; title: string; text: string }>(path.join(dir, 'corpus.jsonl'));
  assert.deepEqual(Object.keys(corpus[0]), ['id', 'title', 'text']);
  const second = readJson<{ seed: number }>(path.join(dir, 'second', 'world.json'));
  assert.equal(second.seed, 6);
  await assert.rejects(run(['world', '--seed', 'x', '--out', dir]), /--seed: expected an integer, got "x"/);
  const unwritten = path.join(dir, 'not-written');
  await assert.rejects(run(['world', '--preset', 'tiny', '--topk', '0', '--out', unwritten]), /--topk: expected an integer ≥ 1, got "0"/);
  assert.equal(fs.existsSync(unwritten), false, 'a bad flag fails before the world is written');
});
