/**
 * Showing figures and tables in a tslab notebook, offline. The first showFigure of a kernel
 * emits the plotly.js bundle (a <script> element, ~4.8 MB, stored once in the notebook); later calls
 * emit only a <div> and a Plotly.newPlot call. Restarting the kernel starts over, so the bundle is
 * always in an earlier output of the same run. The notebook must be trusted for scripts to run.
 */
import * as fs from 'fs';
import type { PlotlyFigure } from './figures';
import type { Cell, Table } from './paper-tables';
import { escapeHtml, plotDiv, plotlyBundle } from './plotly-script';

let plotlyShown = false;
let figureCount = 0;
// Kernel-unique prefix, so div ids of two kernels' outputs in one notebook never collide.
const kernelTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** HTML for one notebook output: the figure, preceded by the plotly.js bundle when `withBundle`. */
export function figureOutputHtml(fig: PlotlyFigure, opts: { width?: number; height?: number; withBundle?: boolean } = {}): string {
  const div = plotDiv(fig, `zs-figure-${kernelTag}-${++figureCount}`, { width: opts.width, height: opts.height ?? 450 });
  return opts.withBundle ? `<script>${plotlyBundle()}</script>\n${div}` : div;
}

/** Shows a Plotly figure as the cell's output (tslab only); the first figure of a kernel carries plotly.js. */
export function showFigure(fig: PlotlyFigure, opts: { width?: number; height?: number } = {}): void {
  showHtml(figureOutputHtml(fig, { ...opts, withBundle: !plotlyShown }));
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
  showHtml(tableHtml(table, opts));
}

/** Shows a PNG file (e.g. a committed figure of results/) inline, without a kernel-side plotting library. */
export function showImage(file: string, opts: { width?: number } = {}): void {
  const data = fs.readFileSync(file).toString('base64');
  showHtml(`<img alt="${escapeHtml(file)}" src="data:image/png;base64,${data}"${opts.width ? ` width="${opts.width}"` : ''}>`);
}

function showHtml(html: string): void {
  // Inside a cell, tslab sets globalThis.__tslab__.require, which hands out the *kernel's* tslab
  // module; a plain require('tslab') could load a second copy that is not connected to the kernel.
  const cellRequire = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__?.require;
  let display: { html(s: string): void };
  try {
    display = ((cellRequire ?? require)('tslab') as { display: { html(s: string): void } }).display;
    display.html(html);
  } catch (err) {
    throw new Error(
      `showFigure/showTable: no tslab notebook kernel to display in (${(err as Error).message}); outside a notebook use exportFigure or writeTable`,
    );
  }
}
