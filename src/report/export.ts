/**
 * Figure export: a standalone HTML file (plotly.js inlined, opens offline) and a static PNG drawn by
 * headless Chromium (playwright-core driving Debian's /usr/bin/chromium, or ZS_CHROMIUM). The PNG is
 * made by Plotly.toImage inside the page, so it matches what the HTML shows.
 *
 *   await withFigureExporter(async (exp) => {
 *     await exp.export(comparisonBars(ours, paper), 'results/figures/table3');   // table3.html + table3.png
 *     await exp.export(trainingCurves(runs), 'results/figures/', { width: 800 });  // <dir>/<title slug>.*
 *   });
 *
 * One browser serves every figure of a withFigureExporter call and is always closed afterwards.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { writeFileAtomic } from '../util';
import type { PlotlyFigure } from './figures';
import { PLOT_CONFIG, escapeHtml, plotDiv, plotlyBundle } from './plotly-script';

export interface ExportOptions {
  /** Figure size in CSS pixels (default 900 × 500). */
  width?: number;
  height?: number;
  /** PNG pixel density: the PNG is (width·scale) × (height·scale) (default 2, sharp on slides and papers). */
  scale?: number;
  /** Which files to write (default both). */
  html?: boolean;
  png?: boolean;
}

export interface ExportedFiles {
  html?: string;
  png?: string;
}

export interface FigureExporter {
  /** Writes `<base>.html` and/or `<base>.png`; `out` is a base path (an extension is dropped) or a directory. */
  export(fig: PlotlyFigure, out: string, opts?: ExportOptions): Promise<ExportedFiles>;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The Chromium binary used for PNGs: ZS_CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.ZS_CHROMIUM ?? '/usr/bin/chromium';
}

/** A standalone page showing `fig`, with plotly.js inlined (no network needed to open it). */
export function figureHtml(fig: PlotlyFigure, opts: { width?: number; height?: number } = {}): string {
  const { width = 900, height = 500 } = opts;
  const pageTitle = escapeHtml(figureTitle(fig) ?? 'figure');
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${pageTitle}</title>`,
    `<script>${plotlyBundle()}</script>`,
    '</head><body style="margin:0;background:white">',
    plotDiv(fig, 'figure', { width, height }),
    '</body></html>',
    '',
  ].join('\n');
}

/** Writes only the HTML (no browser needed); returns its path. */
export function writeFigureHtml(fig: PlotlyFigure, out: string, opts: { width?: number; height?: number } = {}): string {
  const file = `${basePath(fig, out)}.html`;
  writeFileAtomic(file, figureHtml(fig, opts));
  return file;
}

/** Exports one figure (launches and closes a browser; for many figures use withFigureExporter). */
export async function exportFigure(fig: PlotlyFigure, out: string, opts: ExportOptions = {}): Promise<ExportedFiles> {
  if (opts.png === false) return opts.html === false ? {} : { html: writeFigureHtml(fig, out, opts) };
  return withFigureExporter((exp) => exp.export(fig, out, opts));
}

/** Runs `fn` with an exporter backed by one headless Chromium, closed when `fn` settles. */
export async function withFigureExporter<T>(fn: (exp: FigureExporter) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    // One page, made at the first export (loading plotly.js is the slow part); figures are drawn
    // one after another on it.
    let page: Promise<Page> | undefined;
    let queue: Promise<unknown> = Promise.resolve();
    const exporter: FigureExporter = {
      export(fig, out, opts = {}) {
        const job = queue.then(async () => exportWith(await (page ??= plotlyPage(browser)), fig, out, opts));
        queue = job.catch(() => undefined);
        return job;
      },
    };
    return await fn(exporter);
  } finally {
    await browser.close().catch(() => undefined);
  }
}

/** No Chromium to draw PNGs with (missing, or it would not start): callers that can show figures otherwise catch it. */
export class ChromiumUnavailableError extends Error {}

async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new ChromiumUnavailableError(
      `Chromium not found at ${executablePath}: PNG figures need a headless Chromium. Install it with ` +
        '`sudo apt-get install -y chromium` (or `npm run setup`), or set ZS_CHROMIUM to a Chromium/Chrome binary',
    );
  }
  const { chromium } = await import('playwright-core');
  try {
    // Playwright's own signal handlers close the browser and then swallow the signal, so an interrupted export
    // would carry on (HTML only) and exit 0; without them the signal ends the process, and Chromium follows
    // when its pipe closes.
    return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  } catch (err) {
    throw new ChromiumUnavailableError(`could not start Chromium at ${executablePath}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A blank page with plotly.js loaded once; every network request is refused (figures are offline). */
async function plotlyPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ deviceScaleFactor: 1 });
  await context.route(/^(https?|wss?|ftp):/, (route) => route.abort());
  const page = await context.newPage();
  await page.setContent('<!DOCTYPE html><html><body style="margin:0"><div id="figure"></div></body></html>');
  await page.addScriptTag({ content: plotlyBundle() });
  return page;
}

async function exportWith(page: Page, fig: PlotlyFigure, out: string, opts: ExportOptions): Promise<ExportedFiles> {
  const base = basePath(fig, out);
  const files: ExportedFiles = {};
  if (opts.png !== false) {
    files.png = `${base}.png`;
    writeFileAtomic(files.png, await renderPng(page, fig, opts));
  }
  if (opts.html !== false) files.html = writeFigureHtml(fig, base, { width: opts.width ?? 900, height: opts.height ?? 500 });
  return files;
}

/** One figure as PNG bytes, without writing a file (a notebook shows them as a static image). */
export async function figurePng(fig: PlotlyFigure, opts: Pick<ExportOptions, 'width' | 'height' | 'scale'> = {}): Promise<Buffer> {
  const browser = await launchChromium();
  try {
    return await renderPng(await plotlyPage(browser), fig, opts);
  } finally {
    await browser.close().catch(() => undefined);
  }
}

/** Draws `fig` on a page made by plotlyPage and returns Plotly.toImage's PNG. */
async function renderPng(page: Page, fig: PlotlyFigure, opts: Pick<ExportOptions, 'width' | 'height' | 'scale'>): Promise<Buffer> {
  const { width = 900, height = 500, scale = 2 } = opts;
  const dataUrl = await page.evaluate(
    async ({ figJson, configJson, width, height, scale }) => {
      // Runs in the page, where plotly.js set window.Plotly. Reached through globalThis so the file
      // also compiles without the DOM typings (tslab compiles notebooks' imports with lib es only).
      const page = globalThis as unknown as { Plotly: any; document: { getElementById(id: string): unknown } };
      const Plotly = page.Plotly;
      const gd = page.document.getElementById('figure');
      const fig = JSON.parse(figJson);
      await Plotly.newPlot(gd, fig.data, { ...fig.layout, width, height }, JSON.parse(configJson));
      const url: string = await Plotly.toImage(gd, { format: 'png', width, height, scale });
      Plotly.purge(gd);
      return url;
    },
    { figJson: JSON.stringify(fig), configJson: JSON.stringify(PLOT_CONFIG), width, height, scale },
  );
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error(`Plotly.toImage returned no PNG for "${figureTitle(fig) ?? 'figure'}"`);
  return Buffer.from(dataUrl.slice(prefix.length), 'base64');
}

/** `out` → base path without extension: `x.png`/`x.html` → `x`; a directory (existing or ending in /) → `<dir>/<title slug>`. */
function basePath(fig: PlotlyFigure, out: string): string {
  if (/\.(png|html)$/i.test(out)) return out.replace(/\.(png|html)$/i, '');
  const isDir = out.endsWith('/') || out.endsWith(path.sep) || (fs.existsSync(out) && fs.statSync(out).isDirectory());
  if (!isDir) return out;
  const slug =
    (figureTitle(fig) ?? 'figure')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'figure';
  return path.join(out, slug);
}

function figureTitle(fig: PlotlyFigure): string | undefined {
  const t = fig.layout.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return undefined;
}
