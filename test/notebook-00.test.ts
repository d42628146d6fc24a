import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { runNotebook } from '../scripts/run-notebooks';

test('notebooks/00-quickstart.ipynb executes headless on the tiny preset', () => {
  const { output } = runNotebook('notebooks/00-quickstart.ipynb', { preset: 'tiny', timeoutS: 600 });
  const nb = JSON.parse(fs.readFileSync(output, 'utf8')) as { cells: Array<{ cell_type: string; outputs?: Array<{ text?: string[] | string }> }> };
  const printed = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => [o.text ?? ''].flat().join(''))
    .join('');
  // The tour must reach its last step: the loss line and the generation lines.
  assert.match(printed, /loss \d+\.\d+ → \d+\.\d+/);
  assert.match(printed, /T=0 \|/);
  assert.match(printed, /tensors alive: \d+/);
});
