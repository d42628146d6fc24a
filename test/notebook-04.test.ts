import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { runNotebook } from '../scripts/run-notebooks';

test('notebooks/04-paper-tables.ipynb executes headless on the tiny preset', () => {
  const { output } = runNotebook('notebooks/04-paper-tables.ipynb', { preset: 'tiny', timeoutS: 600 });
  const nb = JSON.parse(fs.readFileSync(output, 'utf8')) as {
    cells: Array<{ cell_type: string; outputs?: Array<{ text?: string[] | string; data?: Record<string, unknown> }> }>;
  };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  const printed = outputs.map((o) => [o.text ?? ''].flat().join('')).join('');
  // It reached the end: the gap lines, the training-curve lines and the summary.
  assert.match(printed, /ZeroSearch − Search-R1\s+paper\s+1\.66\s+ours\s+-?\d+\.\d\d/);
  assert.match(printed, /zerosearch\s+steps \d+\s+final reward \d\.\d{3}/);
  assert.match(printed, /# ZeroSearch micro-world reproduction/);
  // The metrics frame's describe() table: one row per column with its count over the steps.
  assert.match(printed, /search-r1: (\d+) steps\ncolumn\s+count\s+mean\s+std\s+min\s+max\n[^]*\nreward\s+\1\s/);
  // Figures are static PNGs (no 4.8 MB plotly.js in the notebook); tables are HTML.
  assert.ok(outputs.filter((o) => o.data?.['image/png']).length >= 4);
  assert.ok(outputs.filter((o) => o.data?.['text/html']).length >= 1);
  assert.ok(!JSON.stringify(outputs).includes('plotly.js v'));
});
