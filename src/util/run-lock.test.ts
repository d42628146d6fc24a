import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCK_FILE, lockRunFolder } from './run-lock';

const tmpDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zs-lock-')), 'run');
const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; command: string };
const holdLock = (dir: string, pid: number) =>
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ pid, host: os.hostname(), procStart: null, command: 'zerosearch eval --out x', started: 'earlier' }),
  );

test('a held folder is refused, naming the holder; released, it can be taken again', () => {
  const dir = tmpDir();
  const release = lockRunFolder(dir, 'zerosearch eval --out run');
  assert.equal(lockOf(dir).pid, process.pid);
  assert.throws(
    () => lockRunFolder(dir, 'zerosearch eval --out run'),
    new RegExp(`run is in use by another run \\(PID ${process.pid}, \`zerosearch eval --out run\``),
  );
  release();
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false);
  lockRunFolder(dir, 'again')();
  assert.deepEqual(fs.readdirSync(dir), [], 'no temporary files left behind');
});

test('a lock of a live process holds; once that process is dead (or the lock is garbage) it is taken over', async () => {
  const dir = tmpDir();
  fs.mkdirSync(dir, { recursive: true });
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    holdLock(dir, other.pid!);
    assert.throws(() => lockRunFolder(dir, 'second'), new RegExp(`in use by another run \\(PID ${other.pid}`));
  } finally {
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
  }
  const release = lockRunFolder(dir, 'takes over');
  assert.deepEqual([lockOf(dir).pid, lockOf(dir).command], [process.pid, 'takes over']);
  release();
  fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pi');
  lockRunFolder(dir, 'over garbage')();
});
