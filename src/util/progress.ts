/**
 * Progress reporting that works in a terminal (a cli-progress bar), in notebooks (one line updated in
 * place) and in CI logs (a line every few seconds), so long work always shows where it is.
 */
import * as cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number, info?: Record<string, string | number>): void;
  done(): void;
}

export function progress(label: string, total: number, opts: { quiet?: boolean } = {}): Progress {
  if (opts.quiet || process.env.ZS_QUIET === '1') return { tick() {}, done() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {eta_formatted} {info}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      tick(n = 1, info) {
        bar.increment(n, { info: info ? formatInfo(info) : '' });
      },
      done() {
        bar.stop();
      },
    };
  }
  // In a notebook a new stream line every few seconds piles up dozens of outputs; one display updated in
  // place (as tqdm.notebook does) shows the same progress, and the saved notebook keeps only its last state.
  const display = notebookDisplay();
  let value = 0;
  let last = 0;
  const start = Date.now();
  const show = (info?: Record<string, string | number>) => {
    const line = `${label} ${value}/${total} (${((Date.now() - start) / 1000).toFixed(0)}s)${info ? ' ' + formatInfo(info) : ''}`;
    if (display) display.text(line);
    else process.stderr.write(`${line}\n`);
  };
  return {
    tick(n = 1, info) {
      value += n;
      const now = Date.now();
      if (now - last > (display ? 1000 : 5000) || value >= total) {
        last = now;
        show(info);
      }
    },
    done() {},
  };
}

/** An updatable output of the tslab kernel running the current cell, or null outside a notebook. */
function notebookDisplay(): { text(s: string): void } | null {
  // tslab hands each cell its own require through globalThis.__tslab__, which yields the kernel's tslab module.
  const cellRequire = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__?.require;
  if (!cellRequire) return null;
  try {
    return (cellRequire('tslab') as { newDisplay(): { text(s: string): void } }).newDisplay();
  } catch {
    return null;
  }
}

function formatInfo(info: Record<string, string | number>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`)
    .join(' ');
}
