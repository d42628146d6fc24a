import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runNotebook } from '../scripts/run-notebooks';

test('notebooks/02-curriculum-ablation.ipynb executes headless on the tiny preset', () => {
  process.env.ZS_CURRICULUM_OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'nb02-'));
  try {
    const { output } = runNotebook('notebooks/02-curriculum-ablation.ipynb', { preset: 'tiny', timeoutS: 1200 });
    const nb = JSON.parse(fs.readFileSync(output, 'utf8')) as {
      cells: Array<{ outputs?: Array<{ text?: string[] | string; data?: Record<string, unknown> }> }>;
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const printed = outputs.map((o) => [o.text ?? ''].flat().join('')).join('');
    // The schedule table: README 0 → 0.5 ends at exactly 0.5 on the last step, Random stays 0.5.
    assert.match(printed, /README: 0 → 0\.5( +0\.\d{4})+ +0\.5000\n/);
    assert.match(printed, /Random: 0\.5( +0\.5000)+\n/);
    for (const run of ['Curriculum 0 → 0\\.25', 'Random \\(p = 0.5\\)', 'No noise \\(p = 0\\)']) {
      assert.match(printed, new RegExp(`${run} +last reward \\d\\.\\d{3}`));
      assert.match(printed, new RegExp(`${run} +average EM \\d\\.\\d{3}`));
    }
    // Schedules figure and training curves as static PNGs; our Table 6 and the paper's as HTML.
    assert.ok(outputs.filter((o) => o.data?.['image/png']).length >= 2);
    assert.ok(outputs.filter((o) => o.data?.['text/html']).length >= 2);
  } finally {
    delete process.env.ZS_CURRICULUM_OUT;
  }
});
