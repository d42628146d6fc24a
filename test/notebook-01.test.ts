import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runNotebook } from '../scripts/run-notebooks';

test('notebooks/01-simulator-sft.ipynb executes headless on the tiny preset', () => {
  // A fresh output folder, so every stage really runs (the notebook caches stages by their outputs).
  process.env.ZS_SIM_OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'nb01-'));
  try {
    const { output } = runNotebook('notebooks/01-simulator-sft.ipynb', { preset: 'tiny', timeoutS: 600 });
    const nb = JSON.parse(fs.readFileSync(output, 'utf8')) as { cells: Array<{ outputs?: Array<{ text?: string[] | string }> }> };
    const printed = nb.cells
      .flatMap((c) => c.outputs ?? [])
      .map((o) => [o.text ?? ''].flat().join(''))
      .join('');
    assert.match(printed, /\d+ pairs from \d+ questions/);
    assert.match(printed, /SFT examples \(oracle labels\)/);
    assert.match(printed, /simulator SFT: loss \d+\.\d+ → \d+\.\d+/);
    assert.match(printed, /--- BM25 \(real\)/);
    assert.match(printed, /\| SFT useful \| \d+ \|/);
    assert.match(printed, /\| Prompt-only noisy \| \d+ \|/);
  } finally {
    delete process.env.ZS_SIM_OUT;
  }
});
