import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE } from '../util/run-lock';
import { descendants, isAlive } from '../util/process-guard';

const BIN = path.resolve(__dirname, '../../bin/zerosearch.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zs-lifecycle-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a second run on a folder another live run holds is refused before any work', async () => {
  const dir = tmp();
  const out = path.join(dir, 'world');
  fs.mkdirSync(out);
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(
      path.join(out, LOCK_FILE),
      JSON.stringify({ pid: holder.pid, host: os.hostname(), procStart: null, command: 'zerosearch world --out x', started: 'now' }),
    );
    const r = spawnSync(process.execPath, [BIN, 'world', '--preset', 'tiny', '--out', out], { encoding: 'utf8', env: { ...process.env, ZS_QUIET: '1' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`world is in use by another run \\(PID ${holder.pid}, \`zerosearch world --out x\``));
    assert.deepEqual(fs.readdirSync(out), [LOCK_FILE], 'nothing written');
  } finally {
    holder.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'SIGKILL of the wrapper that started the CLI (as npx is killed) stops the run within seconds',
  { skip: !fs.existsSync('/proc/self/stat') && 'needs /proc' },
  async () => {
    const dir = tmp();
    const corpus = path.join(dir, 'corpus.jsonl');
    fs.writeFileSync(corpus, ['alpha beta', 'beta gamma', 'gamma delta'].map((text, i) => JSON.stringify({ id: String(i), text })).join('\n') + '\n');
    // Like `npx`: the wrapper runs a shell that runs the CLI; killing the wrapper leaves the shell alive, reparented.
    const wrapper = spawn(
      process.execPath,
      [
        '-e',
        `
    require('child_process').spawn('sh', ['-c', '"$0" "$@"; true', process.execPath, ${JSON.stringify(BIN)}, 'serve-retriever', '--corpus', ${JSON.stringify(corpus)}, '--port', '0'], { stdio: 'inherit' });
    setInterval(() => {}, 1000);
  `,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    wrapper.stderr!.on('data', (d) => (stderr += d));
    let started: number[] = [];
    try {
      for (let waited = 0; !stderr.includes('listening on'); waited += 100) {
        assert.ok(waited < 60_000, `the CLI did not start: ${stderr}`);
        await sleep(100);
      }
      started = descendants(wrapper.pid!);
      assert.ok(started.length >= 2, 'a shell and the CLI under the wrapper');
      wrapper.kill('SIGKILL');
      for (let waited = 0; started.some(isAlive) && waited < 6000; waited += 100) await sleep(100);
      assert.deepEqual(started.filter(isAlive), [], `still running after the wrapper died: ${stderr}`);
      assert.match(stderr, /which started this run, is gone; stopping/);
    } finally {
      for (const pid of [wrapper.pid!, ...started].filter(isAlive)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
