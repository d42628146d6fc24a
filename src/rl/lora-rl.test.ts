import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel } from '../model/transformer';
import { LoraTransformer } from '../model/lora';
import { loadCheckpoint } from '../model/checkpoint';
import { generateWorld } from '../world/generate';
import { worldEngine } from '../search/bm25';
import { policyTokenizer } from '../agent/policy-base';
import { StepMetrics, TrainerConfig, trainPolicy } from './trainer';
import { rlConfig, trainPolicyStage } from './pipeline';

const world = generateWorld('tiny', 7);
const tokenizer = policyTokenizer([world]);
const engine = worldEngine(world);
const questions = world.questions.filter((q) => q.split === 'train');
const base = (seed = 1) => createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }, seed);
const LORA = { rank: 2, alpha: 4, targetModules: ['q_proj', 'v_proj', 'up_proj'], seed: 3 };
const SMALL: Partial<TrainerConfig> = {
  steps: 4,
  questionsPerStep: 2,
  rolloutsPerQuestion: 2,
  miniBatchSize: 2,
  entropyCoef: 0.05,
  klCoef: 0.1,
  lr: 5e-2,
  rollout: { maxTurns: 1, maxTurnTokens: 6, topk: 1 },
};
const withoutTime = (ms: StepMetrics[]) => ms.map(({ time: _t, ...rest }) => rest);
const values = (m: Map<string, tf.Variable>) => new Map([...m].map(([k, v]) => [k, Array.from(v.dataSync())]));
const bytes = (vs: Iterable<tf.Variable>) => [...vs].reduce((a, v) => a + v.size * 4, 0);

before(async () => {
  await initBackend();
});

test('LoRA RL: only adapter weights change; the KL reference is the base with adapters off (no copy of the weights)', async () => {
  const b = base();
  const before = values(b.params);
  const policy = new LoraTransformer(b, LORA);
  const adaptersBefore = [...policy.adapters.values()].map(({ a, b: bb }) => [Array.from(a.dataSync()), Array.from(bb.dataSync())]);
  const start = tf.memory().numBytes;
  let grew = 0;
  const { metrics } = await trainPolicy({
    policy,
    tokenizer,
    questions,
    engine,
    config: SMALL,
    quiet: true,
    onStep: () => {
      grew = Math.max(grew, tf.memory().numBytes - start);
    },
  });
  for (const [name, v] of values(b.params)) assert.deepEqual(v, before.get(name), `base weight ${name} changed`);
  const changed = [...policy.adapters.values()].some(
    ({ a, b: bb }, i) =>
      Array.from(a.dataSync()).some((x, j) => x !== adaptersBefore[i][0][j]) || Array.from(bb.dataSync()).some((x, j) => x !== adaptersBefore[i][1][j]),
  );
  assert.ok(changed, 'the adapters must train');
  assert.ok(
    metrics.every((m) => m.kl !== null),
    'KL is measured against the base',
  );
  assert.ok(
    metrics.slice(1).some((m) => m.kl !== 0),
    'once the adapters move, the policy differs from the base',
  );
  assert.ok(grew < bytes(b.params.values()) / 2, `training held ${grew} extra bytes; a copy of the base would be ${bytes(b.params.values())}`);
  policy.dispose();
  b.dispose();
});

test('LoRA RL killed after step 3 resumes from the step-2 adapter checkpoint exactly; no reference without KL', async () => {
  const cfg = { ...SMALL, checkpointEvery: 2 };
  const fullBase = base();
  const full = new LoraTransformer(fullBase, LORA);
  const a = await trainPolicy({ policy: full, tokenizer, questions, engine, config: SMALL, quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-lora-rl-'));
  const killedBase = base();
  await assert.rejects(
    trainPolicy({
      policy: new LoraTransformer(killedBase, LORA),
      tokenizer,
      questions,
      engine,
      config: cfg,
      outDir: dir,
      quiet: true,
      onStep: (m) => {
        if (m.step === 3) throw new Error('killed');
      },
    }),
    /killed/,
  );
  assert.ok(fs.existsSync(path.join(dir, 'checkpoint', 'adapter', 'adapter_model.safetensors')));
  assert.ok(!fs.existsSync(path.join(dir, 'checkpoint', 'policy')), 'the frozen base is not checkpointed');
  const resumedBase = base();
  const resumed = new LoraTransformer(resumedBase, LORA);
  const r = await trainPolicy({ policy: resumed, tokenizer, questions, engine, config: cfg, outDir: dir, quiet: true });
  assert.deepEqual(withoutTime(r.metrics), withoutTime(a.metrics));
  for (const [layer, { a: A, b: B }] of full.adapters) {
    assert.deepEqual(resumed.adapters.get(layer)!.a.dataSync(), A.dataSync(), layer);
    assert.deepEqual(resumed.adapters.get(layer)!.b.dataSync(), B.dataSync(), layer);
  }
  const noKl = await trainPolicy({ policy: resumed, tokenizer, questions, engine, config: { ...SMALL, klCoef: 0, steps: 1 }, quiet: true });
  assert.equal(noKl.metrics[0].kl, null);
  [full, resumed].forEach((m) => m.dispose());
  [fullBase, killedBase, resumedBase].forEach((m) => m.dispose());
});

test('trainPolicyStage with LoRA leaves the base untouched and saves the merged policy (HF layout) and the adapter', async () => {
  const b = base();
  const before = values(b.params);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-lora-stage-'));
  const config = rlConfig('tiny', { ...SMALL, steps: 2 });
  const stage = await trainPolicyStage({ base: b, tokenizer, questions, engine, config, outDir: dir, quiet: true, lora: LORA });
  for (const [name, v] of values(b.params)) assert.deepEqual(v, before.get(name), name);
  for (const f of ['policy/config.json', 'policy/model.safetensors', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors'])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  const reloaded = loadCheckpoint(path.join(dir, 'policy'));
  const q = 'model.layers.0.self_attn.q_proj.weight';
  assert.deepEqual(reloaded.params.get(q)!.dataSync(), stage.policy.params.get(q)!.dataSync());
  assert.notDeepEqual(Array.from(reloaded.params.get(q)!.dataSync()), before.get(q), 'the adapters are merged into q_proj');
  assert.deepEqual(
    Array.from(reloaded.params.get('model.layers.0.self_attn.k_proj.weight')!.dataSync()),
    before.get('model.layers.0.self_attn.k_proj.weight'),
    'k_proj has no adapter',
  );
  [reloaded, stage.policy, b].forEach((m) => m.dispose());
});
