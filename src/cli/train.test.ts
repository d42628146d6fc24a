import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/zerosearch.js');

test('train: bad numbers fail before any work (the policy base takes minutes to build)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-train-flags-'));
  try {
    for (const [flags, error] of [
      [['--steps', 'abc'], /--steps: expected an integer ≥ 1, got "abc"/],
      [['--lr', '0'], /trainer config: lr must be > 0, got 0/],
      [['--curriculum', '0,1.5'], /--curriculum: expected a number from 0 to 1, got "1.5"/],
      [['--engine', 'simulated', '--noise', 'x'], /--noise: expected a number from 0 to 1, got "x"/],
    ] as const) {
      const out = path.join(dir, flags.join('_'));
      const r = spawnSync(process.execPath, [BIN, 'train', '--preset', 'tiny', '--out', out, ...flags], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ZS_QUIET: '1' },
      });
      assert.equal(r.status, 1, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, error);
      assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], [], `${flags.join(' ')}: nothing built`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("train (micro world): reproduce's stages and folder layout, the real engine at evaluation; a rerun reuses every stage", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-train-'));
  const run = (...flags: string[]) =>
    spawnSync(process.execPath, [BIN, 'train', '--preset', 'tiny', '--out', out, '--engine', 'simulated', '--steps', '2', ...flags], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, ZS_QUIET: '1' },
    });
  try {
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    for (const f of [
      'world/world.json',
      'policy-base/policy-base.json',
      'simulator/sft/config.json',
      'rl/zerosearch/done.json',
      'eval/base/report.json',
      'eval/zerosearch/predictions.jsonl',
    ]) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
    const result = JSON.parse(fs.readFileSync(path.join(out, 'zerosearch.json'), 'utf8'));
    assert.deepEqual(result.config.noise, { start: 0, end: 0.25, base: 4 }, 'the ZeroSearch curriculum by default');
    assert.equal(result.config.steps, 2);
    assert.ok(result.rl.average >= 0 && result.rl.average <= 1 && result.base.average >= 0);
    const timings = fs.readFileSync(path.join(out, 'timings.json'), 'utf8');
    const again = run();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.readFileSync(path.join(out, 'timings.json'), 'utf8'), timings, 'nothing trained or evaluated again');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
