/**
 * Test helpers shared by the backend checks: run the same tensor program on two backends and compare.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

/** Runs `f` on backend `name` (already registered), returning each output as a plain array. */
export async function runOn(name: string, f: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend(name);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((t) => Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

/** Runs `f` on cpu (the reference) and on `candidate`. */
export async function onBoth(candidate: string, f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: number[][]; other: number[][] }> {
  return { cpu: await runOn('cpu', f), other: await runOn(candidate, f) };
}

/** Elementwise |a − b| ≤ tol·(1 + |a|) for every output; messages name the output, index and both values. */
export function assertClose(reference: number[][], candidate: number[][], tol = 1e-4, label = 'candidate'): void {
  assert.equal(reference.length, candidate.length, 'number of outputs');
  for (let i = 0; i < reference.length; i++) {
    assert.equal(reference[i].length, candidate[i].length, `output ${i} length`);
    for (let j = 0; j < reference[i].length; j++) {
      const a = reference[i][j];
      const b = candidate[i][j];
      assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(a)), `output ${i}[${j}]: cpu ${a} vs ${label} ${b}`);
    }
  }
}
