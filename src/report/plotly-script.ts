/**
 * The pieces of HTML that draw a figure offline: the plotly.js bundle from the installed
 * `plotly.js-dist-min` package (never a CDN) and the `Plotly.newPlot` call for one figure.
 */
import * as fs from 'fs';
import type { PlotlyFigure } from './figures';

let bundle: string | undefined;

/** The minified plotly.js source (read once per process, about 4.8 MB). */
export function plotlyBundle(): string {
  if (bundle === undefined) {
    let file: string;
    try {
      file = require.resolve('plotly.js-dist-min/plotly.min.js');
    } catch {
      throw new Error('plotly.js-dist-min is not installed (npm install plotly.js-dist-min)');
    }
    const source = fs.readFileSync(file, 'utf8');
    // Inlined inside <script>; a literal "</script" would end the element early.
    if (/<\/script/i.test(source)) throw new Error(`${file}: contains "</script" and cannot be inlined`);
    bundle = source;
  }
  return bundle;
}

/**
 * JSON that is safe inside a <script> element (no "</script>", no HTML comment openers) and pure
 * ASCII, so labels like "—" survive a page or notebook output that declares no charset.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Plotly's config for every kit figure: no logo, no mode bar links to the plotly cloud. */
export const PLOT_CONFIG = { displaylogo: false, responsive: false, showLink: false, showSendToCloud: false };

/** `<div>` + script calling Plotly.newPlot for `fig` (Plotly must already be loaded on the page). */
export function plotDiv(fig: PlotlyFigure, divId: string, size: { width?: number; height?: number } = {}): string {
  const style = [size.width ? `width:${size.width}px` : 'width:100%', `height:${size.height ?? 500}px`].join(';');
  const layout = { ...fig.layout, ...(size.width ? { width: size.width } : {}), height: size.height ?? 500 };
  return (
    `<div id="${divId}" style="${style}"></div>\n` +
    `<script>Plotly.newPlot(${scriptJson(divId)}, ${scriptJson(fig.data)}, ${scriptJson(layout)}, ${scriptJson(PLOT_CONFIG)});</script>`
  );
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
