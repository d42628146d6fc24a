import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { isAlive } from './process-guard';

test('SIGTERM to a guarded process stops its children and exits non-zero', { skip: !fs.existsSync('/proc/self/stat') && 'needs /proc' }, async () => {
  const script = `
    require(${JSON.stringify(require.resolve('./process-guard'))}).guardProcess();
    const child = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    console.log(child.pid);
    setInterval(() => {}, 1000);
  `;
  const main = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const childPid = await new Promise<number>((resolve) => main.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  try {
    assert.ok(isAlive(childPid));
    const exited = new Promise<[number | null, string | null]>((resolve) => main.once('exit', (code, signal) => resolve([code, signal])));
    main.kill('SIGTERM');
    assert.deepEqual(await exited, [143, null], 'exit code 128 + 15, not a silent 0');
    for (let waited = 0; isAlive(childPid) && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isAlive(childPid), false, 'the child was stopped with its parent');
  } finally {
    if (isAlive(childPid)) process.kill(childPid, 'SIGKILL');
  }
});

test(
  'a guarded run started with `nohup … &` from a shell that exits keeps going (the shell is not a launcher)',
  { skip: !fs.existsSync('/proc/self/stat') && 'needs /proc' },
  async () => {
    const script = `require(${JSON.stringify(require.resolve('./process-guard'))}).guardProcess({ pollMs: 100 }); setInterval(() => {}, 1000);`;
    // bash → nohup node (the guarded run), then bash exits and the run is adopted, as when a terminal's job outlives it.
    const shell = spawn('bash', ['-c', `nohup ${JSON.stringify(process.execPath)} --import tsx -e ${JSON.stringify(script)} >/dev/null 2>&1 & echo $!`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const runPid = await new Promise<number>((resolve) => shell.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    await new Promise((resolve) => shell.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(isAlive(runPid), 'the run outlived the shell that started it');
    } finally {
      if (isAlive(runPid)) process.kill(runPid, 'SIGKILL');
    }
  },
);
