import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { savedNotebook } from '../scripts/run-notebooks';

const executed = JSON.stringify({
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# 02 · The curriculum\n', '\n', 'Intro text.'] },
    {
      cell_type: 'code',
      metadata: { execution: { 'iopub.execute_input': '2026-12-06T11:00:00Z' }, tags: ['keep'] },
      source: 'console.log(1)',
      outputs: [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }],
    },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
});

test('savedNotebook states the measured time under the title once, and drops execution timestamps only', () => {
  const once = savedNotebook(executed, { seconds: 432.6, preset: 'quick', cores: 2 });
  const nb = JSON.parse(once);
  assert.equal(
    nb.cells[0].source,
    "# 02 · The curriculum\n\n*Measured: 433 s on the `quick` preset on 2 cores, with `npm run reproduce`'s stages already built; " +
      'these outputs come from `npm run notebooks -- --preset quick --save`.*\n\nIntro text.',
  );
  assert.deepEqual(nb.cells[1].metadata, { tags: ['keep'] });
  assert.deepEqual(nb.cells[1].outputs, JSON.parse(executed).cells[1].outputs);
  // Saving again replaces the line instead of stacking a second one.
  const twice = JSON.parse(savedNotebook(once, { seconds: 8, preset: 'quick', cores: 2 }));
  assert.equal(twice.cells[0].source.match(/\*Measured:/g).length, 1);
  assert.match(twice.cells[0].source, /^# 02 · The curriculum\n\n\*Measured: 8 s .*\*\n\nIntro text\.$/);
  assert.throws(() => savedNotebook(JSON.stringify({ cells: [] }), { seconds: 1, preset: 'tiny', cores: 2 }), /no markdown cell/);
});
