import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { notebookText, runNotebook } from '../scripts/run-notebooks';

test('notebooks/00-quickstart.ipynb executes headless on the tiny preset', () => {
  const { output } = runNotebook('notebooks/00-quickstart.ipynb', { preset: 'tiny', timeoutS: 600 });
  const printed = notebookText(output);
  // The tour must reach its last step: the loss line, the generation lines, the tiny run's table and, last, the
  // committed quick run's Table 3 (what `npm run demo` ends with), whose ZeroSearch row is the committed number.
  assert.match(printed, /loss \d+\.\d+ → \d+\.\d+/);
  assert.match(printed, /T=0 \|/);
  assert.match(printed, /tensors alive: \d+/);
  assert.match(printed, /ZeroSearch +micro policy \(tiny\)/);
  const quick = JSON.parse(fs.readFileSync('results/quick/tables/table3.json', 'utf8')) as { rows: Array<{ method: string; values: { Avg: number } }> };
  const zerosearch = quick.rows.find((r) => r.method === 'ZeroSearch')!.values.Avg;
  assert.match(printed, new RegExp(`ZeroSearch +micro policy \\(quick\\)[^\\n]* ${zerosearch.toFixed(2)}\\n[^]*summary: results/quick/summary\\.md`));
});
