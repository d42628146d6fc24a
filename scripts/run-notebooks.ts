/**
 * Executes notebooks headless: registers the tslab kernel under ./.jupyter (no system changes), then
 * runs each notebook through nbclient (scripts/execute_notebook.py). Outputs go to .tmp/notebooks/ unless --inplace
 * (which refreshes the committed notebooks with their outputs).
 *
 *   npm run notebooks [-- --preset tiny] [-- --inplace] [-- --print] [-- notebooks/00-quickstart.ipynb ...]
 *
 * --print echoes what the cells printed (and their tables, as text), so a notebook doubles as a terminal demo
 * (`npm run demo`).
 *
 * The preset reaches the notebooks as ZS_PRESET (notebooks read `process.env.ZS_PRESET ?? 'quick'`).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const jupyterDir = path.join(root, '.jupyter');
const PYTHON = process.env.ZS_PYTHON ?? '/usr/bin/python3';

let jupyterChecked = false;

/** Throws a message naming what to install when PYTHON cannot run notebooks (execute_notebook.py --check says what). */
function checkJupyter(): void {
  if (jupyterChecked) return;
  const res = spawnSync(PYTHON, [path.join(__dirname, 'execute_notebook.py'), '--check'], { encoding: 'utf8' });
  if (res.error) {
    throw new Error(`no Python at ${PYTHON} (ZS_PYTHON): notebooks need Python 3 with Jupyter. Install it with \`npm run setup\` (Debian/Ubuntu), or see environment.md.`);
  }
  if (res.status !== 0) throw new Error(res.stderr.trim());
  jupyterChecked = true;
}

export function ensureKernel(): string {
  checkJupyter();
  const spec = path.join(jupyterDir, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(tslab)) throw new Error(`${tslab} not found: run \`npm run setup\` (it installs node_modules) first`);
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
      const html = data?.['text/html'] ? [data['text/html']].flat().join('') : '';
      if (html.startsWith('<table')) parts.push(tableText(html));
      else if (data?.['text/plain'] && !html) parts.push([data['text/plain']].flat().join('').trimEnd());
    }
  }
  return parts.join('\n');
}

/** An HTML table as shown by showTable (src/report/notebook.ts's tableHtml) as aligned text, for the terminal. */
function tableText(html: string): string {
  const text = (s: string) =>
    s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim();
  const caption = /<caption[^>]*>([\s\S]*?)<\/caption>/.exec(html)?.[1];
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((tr) => [...tr[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1])));
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  return [...(caption ? [text(caption)] : []), ...lines].join('\n');
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
  try {
    ensureKernel();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  let failed = 0;
  for (const nb of notebooks) {
    try {
      const { output, seconds } = runNotebook(nb, { preset, inplace });
      // With --print the notebook's own last lines (its results) end the output, after the status line.
      console.log(`ok   ${nb} (${seconds.toFixed(0)} s) → ${path.relative(root, output)}`);
      if (printOutputs) console.log(notebookText(output));
    } catch (err) {
      failed++;
      console.error(`FAIL ${(err as Error).message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
