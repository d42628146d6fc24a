/**
 * Progress reporting that works in a terminal (a cli-progress bar) and in notebooks or CI logs
 * (a line every few seconds), so long work always shows where it is.
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
  let value = 0;
  let last = 0;
  const start = Date.now();
  return {
    tick(n = 1, info) {
      value += n;
      const now = Date.now();
      if (now - last > 5000 || value >= total) {
        last = now;
        process.stderr.write(`${label} ${value}/${total} (${((now - start) / 1000).toFixed(0)}s)${info ? ' ' + formatInfo(info) : ''}\n`);
      }
    },
    done() {},
  };
}

function formatInfo(info: Record<string, string | number>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`)
    .join(' ');
}
