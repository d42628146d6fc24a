/**
 * Keeps the CLI's main process from outliving the command that started it or leaving children behind:
 * - SIGTERM, SIGINT, SIGHUP: its child processes are stopped and it exits with 128 + the signal number
 *   (a command that handles the signal itself, as the servers do to close their sockets, exits on its own);
 * - the death of a launcher above it in its session (the `npx` wrapper killed with SIGKILL): noticed within a
 *   second, then the same stop. Without this the run would go on under PID 1, racing any rerun on the same
 *   folder. The user's shell is not watched, so `nohup … &` runs outlive it as intended;
 * - on every exit, its remaining child processes (reproduce's stage workers, a headless Chromium) get SIGTERM.
 * A run in a session of its own (`setsid`, tmux, screen) watches no ancestor. Ancestors and children are found through /proc (Linux); elsewhere only the
 * signals are handled, and reproduce's workers still stop when their IPC channel closes.
 */
import * as fs from 'fs';

interface ProcStat {
  state: string;
  ppid: number;
  session: number;
}

function procStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session …
    return { state: f[0], ppid: Number(f[1]), session: Number(f[3]) };
  } catch {
    return null;
  }
}

/** Whether `pid` runs (per /proc; a zombie waiting to be reaped has ended). */
export function isAlive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== 'Z';
}

/** Launchers between a user's shell and the CLI: npx / npm (node), the `sh -c` they run, tsx. */
const LAUNCHER = /^(node|npm|npx|sh|dash|tsx)\b/;

function procComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The launchers above this one in its session, nearest first, each with its parent at the time of the call.
 * The chain stops at the first other process (the user's shell): a run started with `nohup … &` from a
 * shell that then exits keeps going, as the shell is not watched; a closed terminal sends SIGHUP instead.
 */
export function sessionAncestors(): Array<{ pid: number; ppid: number }> {
  const me = procStat(process.pid);
  if (!me || me.session === process.pid) return [];
  const chain: Array<{ pid: number; ppid: number }> = [];
  for (let pid = me.ppid; pid > 1;) {
    const st = procStat(pid);
    if (!st || st.session !== me.session || !LAUNCHER.test(procComm(pid))) break;
    chain.push({ pid, ppid: st.ppid });
    pid = st.ppid;
  }
  return chain;
}

/** Every live descendant of `root` (children first), from a scan of /proc; empty where there is none. */
export function descendants(root: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const e of entries) {
    const st = procStat(Number(e));
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), Number(e)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const kids = children.get(queue.shift()!) ?? [];
    out.push(...kids);
    queue.push(...kids);
  }
  return out;
}

function stopChildren(): void {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
let installed = false;

/** Install the guard (once per process); `pollMs` is how often the ancestors are checked. */
export function guardProcess(opts: { pollMs?: number } = {}): void {
  if (installed) return;
  installed = true;
  process.on('exit', stopChildren);
  for (const [signal, n] of Object.entries(SIGNALS)) {
    process.on(signal, () => {
      stopChildren();
      if (process.listenerCount(signal) === 1) process.exit(128 + n);
    });
  }
  const ancestors = sessionAncestors();
  if (ancestors.length === 0) return;
  const timer = setInterval(() => {
    // Dead, or orphaned by a dead launcher; the topmost launcher may be adopted (nohup from a shell that exited).
    const gone = ancestors.find((a, i) => !isAlive(a.pid) || (i < ancestors.length - 1 && procStat(a.pid)?.ppid !== a.ppid));
    if (!gone) return;
    process.stderr.write(
      `zerosearch: process ${gone.pid}, which started this run, is gone; stopping (start runs that should outlive their terminal with nohup or setsid)\n`,
    );
    process.exit(128 + SIGNALS.SIGHUP);
  }, opts.pollMs ?? 1000);
  timer.unref();
}
