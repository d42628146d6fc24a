import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromiumPath, figurePng } from './export';
import { curriculumSchedules } from './figures';
import { figureOutputHtml, showFigure, showImage, showTable, tableHtml } from './notebook';
import type { ResultTable } from './paper-tables';

const fig = curriculumSchedules([{ name: 'const <b>', points: [{ step: 0, p: 0.5 }] }]);
const BUNDLE_MARK = 'plotly.js v';
const noChromium = fs.existsSync(chromiumPath()) ? false : `no Chromium at ${chromiumPath()} (apt-get install -y chromium, or set ZS_CHROMIUM)`;

/** Stands in for the kernel (tslab puts its cell require on globalThis.__tslab__) while `fn` runs; returns what was displayed. */
async function withFakeKernel(fn: (kernel: { fail: boolean }) => Promise<void>): Promise<Array<{ html?: string; png?: Buffer }>> {
  const g = globalThis as { __tslab__?: unknown };
  const outputs: Array<{ html?: string; png?: Buffer }> = [];
  const kernel = { fail: false };
  const shown = (o: { html?: string; png?: Buffer }) => {
    if (kernel.fail) throw new Error('Not ready');
    outputs.push(o);
  };
  const display = { html: (s: string) => shown({ html: s }), png: (b: Uint8Array) => shown({ png: Buffer.from(b) }) };
  g.__tslab__ = { require: (id: string) => (id === 'tslab' ? { display } : undefined) };
  try {
    await fn(kernel);
  } finally {
    delete g.__tslab__;
  }
  return outputs;
}

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (b: Buffer) => ({ width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

test('interactive showFigure sends plotly.js once per kernel, then only the div and the newPlot call', async () => {
  process.env.ZS_FIGURES = 'interactive';
  const outputs = (
    await withFakeKernel(async (kernel) => {
      // A failed display must not count as "bundle shown".
      kernel.fail = true;
      await assert.rejects(showFigure(fig), /no tslab notebook kernel to display in \(Not ready\)/);
      kernel.fail = false;
      await showFigure(fig);
      await showFigure(fig, { width: 600 });
      showTable({ caption: 'c', columns: ['NQ'], rows: [] });
    }).finally(() => delete process.env.ZS_FIGURES)
  ).map((o) => o.html ?? '');
  assert.equal(outputs.length, 3);
  assert.ok(outputs[0].includes(BUNDLE_MARK));
  assert.ok(!outputs[1].includes(BUNDLE_MARK));
  assert.ok(outputs[1].length < 10_000);
  const ids = outputs.slice(0, 2).map((html) => /<div id="([^"]+)"/.exec(html)![1]);
  assert.notEqual(ids[0], ids[1]);
  for (const [i, html] of outputs.slice(0, 2).entries()) assert.ok(html.includes(`Plotly.newPlot("${ids[i]}"`));
  // Trace names are data: "<b>" must not become markup that could close the script.
  assert.ok(outputs[1].includes('const \\u003cb\\u003e'));
  assert.match(outputs[2], /^<table/);
});

test('showFigure shows a static PNG of the asked size by default, and showImage a PNG file shrunk to 1,200 pixels', { skip: noChromium }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zs-show-')), 'fig.png');
  // A committed figure is drawn at scale 2: 1,800 × 900 pixels for 900 × 450 CSS pixels.
  fs.writeFileSync(file, await figurePng(fig, { width: 900, height: 450, scale: 2 }));
  const outputs = await withFakeKernel(async () => {
    await showFigure(fig);
    await showFigure(fig, { width: 400, height: 300 });
    showImage(file);
  });
  assert.equal(outputs.length, 3);
  for (const o of outputs) assert.deepEqual([...o.png!.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(pngSize(outputs[0].png!), { width: 900, height: 450 });
  assert.deepEqual(pngSize(outputs[1].png!), { width: 400, height: 300 });
  assert.deepEqual(pngSize(outputs[2].png!), { width: 900, height: 450 });
  // Palette-encoded, a plain figure stays far below the interactive one (plotly.js alone is 4.8 MB) and the file.
  assert.ok(outputs[0].png!.length < 60_000, `${outputs[0].png!.length} bytes`);
  assert.ok(outputs[2].png!.length < fs.statSync(file).size / 2, `${outputs[2].png!.length} of ${fs.statSync(file).size} bytes`);
  assert.throws(() => showImage(path.join(path.dirname(file), 'missing.png')), /showImage: .*missing\.png not found \(expected a PNG file\)/);
});

test('figureOutputHtml includes the bundle only when asked', () => {
  assert.ok(figureOutputHtml(fig, { withBundle: true }).startsWith(`<script>/**\n* ${BUNDLE_MARK}`));
  assert.ok(!figureOutputHtml(fig).includes(BUNDLE_MARK));
});

test('tableHtml shows mean ± std, dashes for null and escapes text', () => {
  const t: ResultTable = {
    caption: 'EM <micro>',
    columns: ['NQ', 'PopQA'],
    rows: [{ method: 'A&B', model: 'm', values: { NQ: 43, PopQA: null }, std: { NQ: 2.6457513, PopQA: null } }],
  };
  const html = tableHtml(t, { digits: 1 });
  assert.ok(html.includes('43.0 ± 2.6'));
  assert.ok(html.includes('>–</td>'));
  assert.ok(html.includes('A&amp;B'));
  assert.ok(html.includes('EM &lt;micro&gt;'));
  assert.equal((html.match(/<tr>/g) ?? []).length, 2);
});

test('showFigure outside a notebook says so', async () => {
  process.env.ZS_FIGURES = 'interactive';
  await assert.rejects(showFigure(fig), /showFigure\/showTable: no tslab notebook kernel/).finally(() => delete process.env.ZS_FIGURES);
});

test('without a Chromium, showFigure falls back to the interactive figure instead of failing the notebook', async () => {
  process.env.ZS_CHROMIUM = '/nonexistent/chromium';
  const outputs = await withFakeKernel(async () => {
    await showFigure(fig);
  }).finally(() => delete process.env.ZS_CHROMIUM);
  assert.equal(outputs.length, 1);
  assert.match(outputs[0].html ?? '', /Plotly\.newPlot/);
});
