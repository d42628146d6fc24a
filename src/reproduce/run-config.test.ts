import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rlConfig } from '../rl/pipeline';
import { POLICY_BASE_PRESETS } from '../agent/policy-base';
import { REPRODUCE_PRESETS } from './presets';
import { applySet, resolveRunConfig, runTrainerConfig } from './run-config';

test("resolveRunConfig: every stage of a preset in one object; a run's RL config is the one the caches were keyed on", () => {
  const run = resolveRunConfig('ablations');
  assert.equal(run.stages, 'quick');
  assert.equal(run.rl.steps, 40);
  assert.equal(run.rlSeeds, 3);
  assert.deepEqual(run.policyBase, POLICY_BASE_PRESETS.quick);
  for (const spec of REPRODUCE_PRESETS.ablations.runs) {
    // Byte for byte the config trainPolicyStage compares with a finished run's done.json.
    const before = rlConfig('quick', { ...REPRODUCE_PRESETS.ablations.rl, ...spec.config, seed: 7 });
    assert.equal(JSON.stringify(runTrainerConfig(run, spec, 7)), JSON.stringify(before), spec.name);
  }
});

test('--set edits a field of the resolved config and is checked like the preset', () => {
  const run = resolveRunConfig('quick', {}, ['rl.lr=3e-4', 'rl.rollout.maxTurns=4', 'policyBase.steps=800']);
  assert.equal(run.rl.lr, 3e-4);
  assert.equal(run.rl.rollout.maxTurns, 4);
  assert.equal(run.policyBase.steps, 800);
  assert.equal(resolveRunConfig('quick').rl.lr, 2e-4, 'the preset itself is untouched');
  assert.throws(() => applySet(run, 'rl.lrr=1'), /no field "rl.lrr" \(fields here: steps,/);
  assert.throws(() => applySet(run, 'rl.lr=fast'), /rl.lr is a number, got "fast"/);
  assert.throws(() => applySet(run, 'lr'), /expected path=value/);
});

test('couplings between stages are asserted, not left to comments', () => {
  assert.throws(
    () => resolveRunConfig('quick', {}, ['rl.rollout.maxObsTokens=120']),
    /policyBase.maxObsTokens \(90\) must equal rl.rollout.maxObsTokens \(120\)/,
  );
  assert.throws(() => resolveRunConfig('quick', {}, ['policyBase.topk=3']), /policyBase.topk \(3\) must equal rl.rollout.topk \(5\)/);
  assert.throws(() => resolveRunConfig('quick', {}, ['rl.rollout.maxContextTokens=4096']), /exceeds the policy's positions \(1024\)/);
  assert.throws(() => resolveRunConfig('quick', {}, ['evalPerSet=0']), /evalPerSet must be a positive integer/);
  assert.throws(() => resolveRunConfig('quick', { runs: [{ name: 'x', engine: 'bm25', config: { lr: -1 } }] }), /run x: trainer config: lr must be > 0/);
  assert.throws(() => resolveRunConfig('paper'), /unknown preset "paper" \(expected tiny, quick, ablations\)/);
});
