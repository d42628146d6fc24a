/**
 * Showing figures and tables in a tslab notebook, offline. A figure is by default a static PNG drawn by headless
 * Chromium (./export): GitHub and Jupyter show it without a kernel, and a saved notebook stays small. With
 * ZS_FIGURES=interactive (or without Chromium) it is the zoomable Plotly figure instead: the first one of a kernel
 * emits the plotly.js bundle (a <script> element, ~4.8 MB, stored once in the notebook), later ones only a <div>
 * and a Plotly.newPlot call. Interactive output needs a trusted notebook for its scripts to run.
 */
import * as fs from 'fs';
import { compactPng } from './compact-png';
import { ChromiumUnavailableError, figurePng } from './export';
import type { PlotlyFigure } from './figures';
import type { Cell, Table } from './paper-tables';
import { escapeHtml, plotDiv, plotlyBundle } from './plotly-script';

let plotlyShown = false;
let chromiumWarned = false;
let figureCount = 0;
// Kernel-unique prefix, so div ids of two kernels' outputs in one notebook never collide.
const kernelTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** HTML for one notebook output: the figure, preceded by the plotly.js bundle when `withBundle`. */
export function figureOutputHtml(fig: PlotlyFigure, opts: { width?: number; height?: number; withBundle?: boolean } = {}): string {
  const div = plotDiv(fig, `zs-figure-${kernelTag}-${++figureCount}`, { width: opts.width, height: opts.height ?? 450 });
  return opts.withBundle ? `<script>${plotlyBundle()}</script>\n${div}` : div;
}

/**
 * Shows a Plotly figure as the cell's output (tslab only): a PNG (900 × 450 by default, one pixel per CSS pixel, so
 * a saved figure is tens of kB), or the interactive figure with ZS_FIGURES=interactive. Await it: the PNG is drawn
 * by a browser.
 */
export async function showFigure(fig: PlotlyFigure, opts: { width?: number; height?: number } = {}): Promise<void> {
  if (process.env.ZS_FIGURES !== 'interactive') {
    try {
      notebookDisplay().png(compactPng(await figurePng(fig, { width: opts.width ?? 900, height: opts.height ?? 450, scale: 1 })));
      return;
    } catch (err) {
      // Without a working Chromium the notebook still shows its figures, interactively: say why once.
      if (!(err instanceof ChromiumUnavailableError)) throw err;
      if (!chromiumWarned) console.error(`showFigure: ${err.message}; showing interactive figures, which add 4.8 MB of plotly.js to the notebook`);
      chromiumWarned = true;
    }
  }
  notebookDisplay().html(figureOutputHtml(fig, { ...opts, withBundle: !plotlyShown }));
  plotlyShown = true; // only once the output carrying the bundle was really displayed
}

/**
 * A table as HTML: method, model, then the columns; numbers with `digits` decimals and ± std
 * when the row has one; null as "–".
 */
export function tableHtml(table: Table<Cell>, opts: { digits?: number } = {}): string {
  const digits = opts.digits ?? 2;
  const cell = (v: Cell, std: number | null | undefined) => {
    if (v === null) return '–';
    if (typeof v === 'string') return escapeHtml(v);
    return std === null || std === undefined ? v.toFixed(digits) : `${v.toFixed(digits)} ± ${std.toFixed(digits)}`;
  };
  const th = (s: string) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(s)}</th>`;
  const td = (s: string, right: boolean) => `<td style="text-align:${right ? 'right' : 'left'};padding:2px 8px">${s}</td>`;
  const head = `<tr>${['method', 'model', ...table.columns].map(th).join('')}</tr>`;
  const body = table.rows
    .map(
      (r) =>
        `<tr>${td(escapeHtml(r.method), false)}${td(escapeHtml(r.model), false)}${table.columns.map((c) => td(cell(r.values[c], r.std?.[c]), true)).join('')}</tr>`,
    )
    .join('\n');
  return `<table style="border-collapse:collapse;font-size:13px"><caption style="text-align:left;caption-side:top">${escapeHtml(table.caption)}</caption>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** Shows a table as the cell's output (tslab only). */
export function showTable(table: Table<Cell>, opts: { digits?: number } = {}): void {
  notebookDisplay().html(tableHtml(table, opts));
}

/**
 * Shows a PNG file (e.g. a committed figure of results/) as an image output, without a kernel-side plotting library:
 * shrunk to at most 1,200 pixels wide and palette-encoded (./compact-png), so a saved notebook stays small.
 */
export function showImage(file: string): void {
  if (!fs.existsSync(file)) throw new Error(`showImage: ${file} not found (expected a PNG file)`);
  notebookDisplay().png(compactPng(fs.readFileSync(file)));
}

interface Display {
  html(s: string): void;
  png(b: Uint8Array): void;
}

/** The display of the tslab kernel running the current cell; throws outside a notebook. */
function notebookDisplay(): Display {
  // Inside a cell, tslab sets globalThis.__tslab__.require, which hands out the *kernel's* tslab
  // module; a plain require('tslab') could load a second copy that is not connected to the kernel.
  const cellRequire = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__?.require;
  const fail = (why: string) =>
    new Error(`showFigure/showTable: no tslab notebook kernel to display in (${why}); outside a notebook use exportFigure or writeTable`);
  let display: Display;
  try {
    display = ((cellRequire ?? require)('tslab') as { display: Display }).display;
  } catch (err) {
    throw fail((err as Error).message);
  }
  // tslab's display throws "Not ready" when no cell is running; say so in the kit's words.
  const guard =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      try {
        f(...a);
      } catch (err) {
        throw fail((err as Error).message);
      }
    };
  return { html: guard((s: string) => display.html(s)), png: guard((b: Uint8Array) => display.png(b)) };
}
