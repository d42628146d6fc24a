/**
 * Keeps the CLI's main process from outliving the command that started it or leaving children behind:
 * - SIGTERM, SIGINT, SIGHUP: its child processes are stopped and it exits with 128 + the signal number
 *   (a command that handles the signal itself, as the servers do to close their sockets, exits on its own);
 * - the death of a process above it in its session (the `npx` wrapper killed with SIGKILL, the shell of a
 *   closed terminal): noticed within a second, then the same stop. Without this the run would go on under
 *   PID 1, racing any rerun on the same folder;
 * - on every exit, its remaining child processes (reproduce's stage workers, a headless Chromium) get SIGTERM.
 * A run meant to outlive its terminal is started in a session of its own (`setsid`, tmux, screen): a session
 * leader watches no ancestor. Ancestors and children are found through /proc (Linux); elsewhere only the
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

/** The processes above this one in its session, each with its parent at the time of the call. */
export function sessionAncestors(): Array<{ pid: number; ppid: number }> {
  const me = procStat(process.pid);
  if (!me || me.session === process.pid) return [];
  const chain: Array<{ pid: number; ppid: number }> = [];
  for (let pid = me.ppid; pid > 1;) {
    const st = procStat(pid);
    if (!st || st.session !== me.session) break;
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
    const gone = ancestors.find((a) => !isAlive(a.pid) || procStat(a.pid)?.ppid !== a.ppid); // dead, or orphaned by a dead parent
    if (!gone) return;
    process.stderr.write(`zerosearch: process ${gone.pid}, which started this run, is gone; stopping (start runs that should outlive their terminal with setsid)\n`);
    process.exit(128 + SIGNALS.SIGHUP);
  }, opts.pollMs ?? 1000);
  timer.unref();
}
