import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curriculumSchedules } from './figures';
import { figureOutputHtml, showFigure, showTable, tableHtml } from './notebook';
import type { ResultTable } from './paper-tables';

const fig = curriculumSchedules([{ name: 'const <b>', points: [{ step: 0, p: 0.5 }] }]);
const BUNDLE_MARK = 'plotly.js v';

test('showFigure sends plotly.js once per kernel, then only the div and the newPlot call', () => {
  const g = globalThis as { __tslab__?: unknown };
  const outputs: string[] = [];
  let fail = true;
  // Stands in for the kernel: tslab puts its cell require on globalThis.__tslab__.
  g.__tslab__ = {
    require: (id: string) =>
      id === 'tslab'
        ? {
            display: {
              html: (s: string) => {
                if (fail) throw new Error('Not ready');
                outputs.push(s);
              },
            },
          }
        : undefined,
  };
  try {
    // A failed display must not count as "bundle shown".
    assert.throws(() => showFigure(fig), /no tslab notebook kernel to display in \(Not ready\)/);
    fail = false;
    showFigure(fig);
    showFigure(fig, { width: 600 });
    showTable({ caption: 'c', columns: ['NQ'], rows: [] });
  } finally {
    delete g.__tslab__;
  }
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

test('showFigure outside a notebook says so', () => {
  assert.throws(() => showFigure(fig), /showFigure\/showTable: no tslab notebook kernel/);
});
