/**
 * Executes notebooks headless: registers the tslab kernel under ./.jupyter (no system changes), then
 * runs `jupyter nbconvert --execute` on each notebook. Outputs go to .tmp/notebooks/ unless --inplace
 * (which refreshes the committed notebooks with their outputs).
 *
 *   npm run notebooks [-- --preset tiny] [-- --inplace] [-- notebooks/00-quickstart.ipynb ...]
 *
 * The preset reaches the notebooks as ZS_PRESET (notebooks read `process.env.ZS_PRESET ?? 'quick'`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const jupyterDir = path.join(root, '.jupyter');
const JUPYTER = process.env.ZS_JUPYTER ?? '/usr/bin/jupyter';
const PYTHON = process.env.ZS_PYTHON ?? '/usr/bin/python3';

export function ensureKernel(): string {
  const spec = path.join(jupyterDir, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new Error(`${tslab} not found: run npm install first`);
  const current = fs.existsSync(spec) ? fs.readFileSync(spec, 'utf8') : '';
  if (!current.includes(tslab)) {
    execFileSync(tslab, ['install', `--python=${PYTHON}`, `--binary=${tslab}`, `--prefix=${jupyterDir}`], { stdio: 'pipe' });
  }
  return path.join(jupyterDir, 'share', 'jupyter');
}

export function runNotebook(notebook: string, opts: { preset?: string; inplace?: boolean; timeoutS?: number } = {}): { output: string; seconds: number } {
  if (!fs.existsSync(notebook)) throw new Error(`${notebook}: notebook not found`);
  const jupyterPath = ensureKernel();
  const outDir = path.join(root, '.tmp', 'notebooks');
  fs.mkdirSync(outDir, { recursive: true });
  const args = ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.timeout=${opts.timeoutS ?? 1200}`];
  if (opts.inplace) args.push('--inplace');
  else args.push('--output-dir', outDir);
  args.push(notebook);
  const start = Date.now();
  try {
    execFileSync(JUPYTER, args, {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, JUPYTER_PATH: jupyterPath, ZS_PRESET: opts.preset ?? process.env.ZS_PRESET ?? 'quick' },
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const stderr = e.stderr?.toString() ?? '';
    // nbclient prints the failing cell and its error last; keep the tail that names them.
    throw new Error(`${notebook} failed:\n${stderr.split('\n').slice(-40).join('\n') || e.message}`);
  }
  const output = opts.inplace ? notebook : path.join(outDir, path.basename(notebook));
  return { output, seconds: (Date.now() - start) / 1000 };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const presetAt = argv.indexOf('--preset');
  const preset = presetAt >= 0 ? argv[presetAt + 1] : undefined;
  const inplace = argv.includes('--inplace');
  const named = argv.filter((a, i) => a.endsWith('.ipynb') && argv[i - 1] !== '--preset');
  const notebooks = named.length
    ? named
    : fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
  let failed = 0;
  for (const nb of notebooks) {
    try {
      const { output, seconds } = runNotebook(nb, { preset, inplace });
      console.log(`ok   ${nb} (${seconds.toFixed(0)} s) → ${path.relative(root, output)}`);
    } catch (err) {
      failed++;
      console.error(`FAIL ${(err as Error).message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
