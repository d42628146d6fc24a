import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runNotebook } from '../scripts/run-notebooks';

test('notebooks/03-rl-training.ipynb executes headless on the tiny preset', () => {
  // A fresh output folder, so every stage really runs (the notebook caches stages by their outputs).
  process.env.ZS_RL_OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'nb03-'));
  try {
    const { output } = runNotebook('notebooks/03-rl-training.ipynb', { preset: 'tiny', timeoutS: 600 });
    const nb = JSON.parse(fs.readFileSync(output, 'utf8')) as {
      cells: Array<{ outputs?: Array<{ text?: string[] | string; data?: Record<string, unknown> }> }>;
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const printed = outputs.map((o) => [o.text ?? ''].flat().join('')).join('');
    assert.match(printed, /policy base: \d+ parameters/);
    assert.match(printed, /mask after the prompt: [01]+\n/);
    assert.match(printed, /reward \(F1 of the final answer\): \d\.\d{3}/);
    assert.match(printed, /policy loss -?\d+\.\d{4} {2}entropy/);
    assert.match(printed, /RL with BM25: 3 steps/);
    assert.match(printed, /average EM: base \d\.\d{3} → RL \d\.\d{3}/);
    // The training curves as a static PNG, the EM table as HTML.
    assert.ok(outputs.filter((o) => o.data?.['image/png']).length >= 1);
    assert.ok(outputs.filter((o) => o.data?.['text/html']).length >= 1);
  } finally {
    delete process.env.ZS_RL_OUT;
  }
});
