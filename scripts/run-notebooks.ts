/**
 * Executes notebooks headless: registers the tslab kernel under ./.jupyter (no system changes), then
 * runs each notebook through nbclient (scripts/execute_notebook.py). Executed copies go to .tmp/notebooks/, so tests
 * and CI never touch the committed notebooks; --save also writes them over notebooks/ (outputs included, execution
 * timestamps dropped, the measured time stated under the title), which is how the committed outputs are made:
 *
 *   npm run notebooks -- --preset quick --save      # after `npm run reproduce`, whose stages the notebooks reuse
 *   npm run notebooks [-- --preset tiny] [-- --print] [-- notebooks/00-quickstart.ipynb ...]
 *
 * --print echoes what the cells printed (and their tables, as text), so a notebook doubles as a terminal demo
 * (`npm run demo`).
 *
 * The preset reaches the notebooks as ZS_PRESET (notebooks read `process.env.ZS_PRESET ?? 'quick'`).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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
    throw new Error(
      `no Python at ${PYTHON} (ZS_PYTHON): notebooks need Python 3 with Jupyter. Install it with \`npm run setup\` (Debian/Ubuntu), or see environment.md.`,
    );
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

// Folders where notebooks 02 and 03 keep their own training runs. Executed here, each run gets fresh ones, so a
// notebook's measured time never comes from its own earlier runs (reproduce's stages are still reused).
const RUN_FOLDERS = ['ZS_CURRICULUM_OUT', 'ZS_RL_OUT'];

export function runNotebook(notebook: string, opts: { preset?: string; save?: boolean; timeoutS?: number } = {}): { output: string; seconds: number } {
  if (!fs.existsSync(notebook)) throw new Error(`${notebook}: notebook not found`);
  const jupyterPath = ensureKernel();
  const outDir = path.join(root, '.tmp', 'notebooks');
  fs.mkdirSync(outDir, { recursive: true });
  const output = path.join(outDir, path.basename(notebook));
  const preset = opts.preset ?? process.env.ZS_PRESET ?? 'quick';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-notebook-runs-'));
  const runFolders = Object.fromEntries(RUN_FOLDERS.filter((k) => !process.env[k]).map((k) => [k, path.join(scratch, k.toLowerCase())]));
  const start = Date.now();
  try {
    execFileSync(PYTHON, [path.join(__dirname, 'execute_notebook.py'), notebook, output, String(opts.timeoutS ?? 1200)], {
      cwd: root,
      stdio: 'pipe',
      env: { ...process.env, ...runFolders, JUPYTER_PATH: jupyterPath, ZS_PRESET: preset },
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `${notebook} failed (executed copy: ${path.relative(root, output)}):\n${(e.stderr?.toString() ?? e.message).split('\n').slice(-40).join('\n')}`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = (Date.now() - start) / 1000;
  if (!opts.save) return { output, seconds };
  fs.writeFileSync(notebook, savedNotebook(fs.readFileSync(output, 'utf8'), { seconds, preset, cores: os.cpus().length }));
  return { output: notebook, seconds };
}

const MEASURED = '*Measured:';

/**
 * An executed notebook as committed: cell execution timestamps dropped (they would change every diff), and under the
 * first markdown cell's title one line saying how long the notebook took (replacing the line a previous save wrote).
 */
export function savedNotebook(executedJson: string, run: { seconds: number; preset: string; cores: number }): string {
  type NotebookCell = { cell_type: string; source: string | string[]; metadata?: Record<string, unknown> };
  const nb = JSON.parse(executedJson) as { cells: NotebookCell[] };
  const title = nb.cells.find((c) => c.cell_type === 'markdown');
  if (!title) throw new Error('savedNotebook: the notebook has no markdown cell to state its measured time in');
  const line =
    `${MEASURED} ${Math.round(run.seconds)} s on the \`${run.preset}\` preset on ${run.cores} cores, with \`npm run reproduce\`'s stages ` +
    `already built; these outputs come from \`npm run notebooks -- --preset ${run.preset} --save\`.*`;
  const lines = [title.source].flat().join('').split('\n');
  // A previous save's line sits under the title after an empty line: replace it rather than stack another.
  if (lines[2]?.startsWith(MEASURED)) lines.splice(1, 2);
  lines.splice(1, 0, '', line);
  title.source = lines.join('\n');
  for (const cell of nb.cells) if (cell.metadata) delete cell.metadata.execution;
  return JSON.stringify(nb, null, 1) + '\n';
}

/** Text a notebook's cells printed (stdout streams and plain-text results), for terminal summaries. */
export function notebookText(executed: string): string {
  const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as {
    cells: Array<{ cell_type: string; source: string[] | string; outputs?: Array<Record<string, unknown>> }>;
  };
  const parts: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type === 'markdown') {
      const heading = [cell.source]
        .flat()
        .join('')
        .split('\n')
        .find((l) => l.startsWith('#'));
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
    s
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .trim();
  const caption = /<caption[^>]*>([\s\S]*?)<\/caption>/.exec(html)?.[1];
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((tr) => [...tr[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1])));
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return [...(caption ? [text(caption)] : []), ...lines].join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const presetAt = argv.indexOf('--preset');
  const preset = presetAt >= 0 ? argv[presetAt + 1] : undefined;
  const save = argv.includes('--save');
  const printOutputs = argv.includes('--print');
  const named = argv.filter((a, i) => a.endsWith('.ipynb') && argv[i - 1] !== '--preset');
  const notebooks = named.length
    ? named
    : fs
        .readdirSync(path.join(root, 'notebooks'))
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
        .map((f) => path.join('notebooks', f));
  try {
    ensureKernel();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  let failed = 0;
  for (const nb of notebooks) {
    try {
      const { output, seconds } = runNotebook(nb, { preset, save });
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
