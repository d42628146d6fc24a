/**
 * One owner per run folder. A run writes its PID into `<dir>/zerosearch.lock` before it writes anything
 * there, so a second run on the same folder (a rerun racing an orphan, two terminals) refuses instead of
 * interleaving its appends with the first one's. A lock whose process is gone (killed with SIGKILL, a reboot)
 * is taken over. The lock is removed when the run ends, however it ends short of SIGKILL.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const LOCK_FILE = 'zerosearch.lock';

interface LockInfo {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux), so a PID reused by another process reads as stale. */
  procStart: string | null;
  command: string;
  started: string;
}

/** Field 22 of /proc/<pid>/stat (start time), or null where there is no /proc or no such process. */
function procStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isRunning(lock: LockInfo): boolean {
  if (lock.host !== os.hostname()) return true; // another machine's process cannot be asked: assume it runs
  try {
    process.kill(lock.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStart(lock.pid);
  return lock.procStart === null || now === null || now === lock.procStart;
}

function readLock(file: string): { text: string; lock: LockInfo | null } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null; // released meanwhile
  }
  try {
    const lock = JSON.parse(text) as LockInfo;
    return { text, lock: Number.isInteger(lock?.pid) ? lock : null };
  } catch {
    return { text, lock: null }; // not ours to parse: treated as stale
  }
}

/**
 * Take `dir` (created if missing) for this process, naming the run as `command` in the lock. Throws, naming
 * the holder, when a live process holds it (this one included). Returns the release function.
 */
export function lockRunFolder(dir: string, command: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), procStart: procStart(process.pid), command, started: new Date().toISOString() };
  const text = JSON.stringify(mine) + '\n';
  // Written whole under a temporary name, then linked into place: the link fails if a lock exists, so
  // nobody ever reads a half-written lock.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readLock(file);
      if (held?.lock && isRunning(held.lock)) {
        const h = held.lock;
        const where = h.host === os.hostname() ? `PID ${h.pid}` : `PID ${h.pid} on ${h.host}`;
        throw new Error(
          `${dir} is in use by another run (${where}, \`${h.command}\`, since ${h.started}); wait for it to end or stop it, or use another folder. If that run is gone, delete ${file}`,
        );
      }
      if (attempt >= 3) throw new Error(`${file}: could not take over the stale lock (other runs are taking it at the same time?)`);
      // Stale: move it aside and check that what moved is what was judged stale (another run may have taken over meanwhile).
      const aside = `${file}.stale-${process.pid}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      if (held && fs.readFileSync(aside, 'utf8') !== held.text) {
        try {
          fs.linkSync(aside, file);
        } catch {
          // someone else holds it now; the next attempt reads them
        }
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const release = () => {
    process.off('exit', release);
    if (readLock(file)?.text === text) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return release;
}
