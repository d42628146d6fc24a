/**
 * Executes notebooks headless: registers the tslab kernel under ./.jupyter (no system changes), then
 * runs each notebook through nbclient (scripts/execute_notebook.py). Outputs go to .tmp/notebooks/ unless --inplace
 * (which refreshes the committed notebooks with their outputs).
 *
 *   npm run notebooks [-- --preset tiny] [-- --inplace] [-- --print] [-- notebooks/00-quickstart.ipynb ...]
 *
 * --print echoes what the cells printed, so a notebook doubles as a terminal demo (`npm run demo`).
 *
 * The preset reaches the notebooks as ZS_PRESET (notebooks read `process.env.ZS_PRESET ?? 'quick'`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const jupyterDir = path.join(root, '.jupyter');
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
  const output = path.join(outDir, path.basename(notebook));
  const start = Date.now();
  try {
    execFileSync(PYTHON, [path.join(__dirname, 'execute_notebook.py'), notebook, output, String(opts.timeoutS ?? 1200)], {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, JUPYTER_PATH: jupyterPath, ZS_PRESET: opts.preset ?? process.env.ZS_PRESET ?? 'quick' },
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${notebook} failed (executed copy: ${path.relative(root, output)}):\n${(e.stderr?.toString() ?? e.message).split('\n').slice(-40).join('\n')}`);
  }
  if (opts.inplace) fs.copyFileSync(output, notebook);
  return { output: opts.inplace ? notebook : output, seconds: (Date.now() - start) / 1000 };
}

/** Text a notebook's cells printed (stdout streams and plain-text results), for terminal summaries. */
export function notebookText(executed: string): string {
  const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as { cells: Array<{ cell_type: string; source: string[] | string; outputs?: Array<Record<string, unknown>> }> };
  const parts: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type === 'markdown') {
      const heading = [cell.source].flat().join('').split('\n').find((l) => l.startsWith('#'));
      if (heading) parts.push(`\n${heading}`);
      continue;
    }
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'stream' && o.name === 'stdout') parts.push([o.text].flat().join('').trimEnd());
      const data = o.data as Record<string, unknown> | undefined;
      if (data?.['text/plain'] && !data['text/html']) parts.push([data['text/plain']].flat().join('').trimEnd());
    }
  }
  return parts.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const presetAt = argv.indexOf('--preset');
  const preset = presetAt >= 0 ? argv[presetAt + 1] : undefined;
  const inplace = argv.includes('--inplace');
  const printOutputs = argv.includes('--print');
  const named = argv.filter((a, i) => a.endsWith('.ipynb') && argv[i - 1] !== '--preset');
  const notebooks = named.length
    ? named
    : fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
  let failed = 0;
  for (const nb of notebooks) {
    try {
      const { output, seconds } = runNotebook(nb, { preset, inplace });
      if (printOutputs) console.log(notebookText(output));
      console.log(`ok   ${nb} (${seconds.toFixed(0)} s) → ${path.relative(root, output)}`);
    } catch (err) {
      failed++;
      console.error(`FAIL ${(err as Error).message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
