/**
 * Where the project's shared folder is (`shared/`: the reference spec and paper tables, the real QA samples and
 * passage corpora, never copied into the repository). Looked up, first match wins:
 *   1. `$ZS_SHARED_DIR`;
 *   2. `<checkout>/../shared` — the usual layout, the checkout beside `shared/`;
 *   3. `<origin>/../shared` when this checkout is a clone of a local repository (`git clone /work/main /tmp/x`):
 *      a fresh clone made anywhere still finds the data its origin sits beside.
 * One resolver for every reader, so a clone in another place fails or works the same everywhere.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';

const CHECKOUT = path.resolve(__dirname, '..', '..');

/** The local path of the checkout's `origin` remote, or null (no git, no origin, or a URL). */
function localOrigin(): string | null {
  try {
    const url = execFileSync('git', ['-C', CHECKOUT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
    return path.isAbsolute(local) ? local : null;
  } catch {
    return null;
  }
}

let cached: string | null | undefined;

/** The shared folder, or null when none of the places above has one. */
export function sharedDir(): string | null {
  if (process.env.ZS_SHARED_DIR) return path.resolve(process.env.ZS_SHARED_DIR);
  if (cached !== undefined) return cached;
  const origin = localOrigin();
  const candidates = [path.resolve(CHECKOUT, '..', 'shared'), ...(origin ? [path.resolve(origin, '..', 'shared')] : [])];
  cached = candidates.find((dir) => fs.existsSync(dir)) ?? null;
  return cached;
}

/** A path inside the shared folder; when there is none, the path it would have beside the checkout (so errors name it). */
export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir() ?? path.resolve(CHECKOUT, '..', 'shared'), ...parts);
}

/**
 * The `skip` option of a test that reads the shared folder: a reason to skip when `parts` are missing there,
 * except under CI (`CI` set), where the test runs and fails, so a clean clone without the data cannot pass silently.
 */
export function sharedSkip(...parts: string[]): string | false {
  if (fs.existsSync(sharedPath(...parts))) return false;
  return process.env.CI ? false : `no ${sharedPath(...parts)} (under CI this test fails instead)`;
}
