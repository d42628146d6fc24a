import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel } from '../model/transformer';
import { LoraTransformer } from '../model/lora';
import { configFromHf, ModelConfig } from '../model/config';
import { readJson } from '../util';
import { generateWorld } from '../world/generate';
import { Bm25Engine } from '../search/bm25';
import { policyTokenizer } from '../agent/policy-base';
import { DEFAULT_TRAINER_CONFIG, TrainerConfig, trainPolicy } from './trainer';
import { planMemory } from './memory-plan';

const FIXTURES = path.join(__dirname, '../model/fixtures');
const fixture = (name: string): ModelConfig => configFromHf(readJson(path.join(FIXTURES, `${name}.config.json`)));
const world = generateWorld('tiny', 7);
const tokenizer = policyTokenizer([world]);
const engine = Bm25Engine.fromDocs(world.documents.map((d) => ({ id: d.id, title: d.title, text: d.text })));
const questions = world.questions.filter((q) => q.split === 'train');
const TINY = { vocabSize: tokenizer.vocabSize, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 64, qkvBias: true };
const LORA = { rank: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'] };
const CONFIG: TrainerConfig = {
  ...DEFAULT_TRAINER_CONFIG,
  steps: 1,
  questionsPerStep: 2,
  rolloutsPerQuestion: 2,
  microBatchSize: 2,
  miniBatchSize: 4,
  klCoef: 0.1,
  rollout: { ...DEFAULT_TRAINER_CONFIG.rollout, maxTurns: 1, maxTurnTokens: 8, topk: 2 },
};
const row = (plan: ReturnType<typeof planMemory>, item: string) => plan.rows.find((r) => r.item === item)?.bytes ?? 0;

before(async () => {
  await initBackend();
});

test('parameter counts of the committed Qwen2.5 configs are the published ones (tied 0.5B / 3B, untied 7B)', () => {
  assert.equal(planMemory(fixture('qwen2.5-0.5b'), CONFIG).parameters, 494_032_768);
  assert.equal(planMemory(fixture('qwen2.5-3b'), CONFIG).parameters, 3_085_938_688);
  assert.equal(planMemory(fixture('qwen2.5-7b'), CONFIG).parameters, 7_615_616_512);
});

test('rows follow the settings: no reference at KL 0 or with LoRA, a critic only for gae, adapters as the model builds them', () => {
  const c = fixture('qwen2.5-3b');
  const full = planMemory(c, CONFIG);
  assert.equal(row(full, 'KL reference'), full.parameters * 4);
  assert.equal(row(planMemory(c, { ...CONFIG, klCoef: 0 }), 'KL reference'), 0);
  assert.equal(row(planMemory(c, CONFIG, { lora: LORA }), 'KL reference'), 0);
  assert.ok(!full.rows.some((r) => r.phase === 'critic update'));
  assert.ok(row(planMemory(c, { ...CONFIG, estimator: 'gae' }), 'critic weights') > full.parameters * 4);
  const model = new LoraTransformer(createModel(TINY, 1), { ...LORA, seed: 0 });
  const adapters = model.trainableVariables().reduce((a, v) => a + v.size, 0);
  assert.equal(planMemory(model.config, CONFIG, { lora: LORA }).trainableParameters, adapters);
  model.dispose();
  model.base.dispose();
  assert.throws(() => planMemory(c, CONFIG, { lora: { rank: 4, targetModules: ['nothing'] } }), /match no linear layer/);
});

/**
 * One RL step of a tiny Qwen2-shaped model, measured with tf.profile: between steps the backend holds exactly the
 * plan's resident rows (weights, reference, AdamW m and v: all f32, so byte for byte; 1 KiB for stray scalars),
 * and the step's peak lands within 35% of the plan's peak at the step's own longest trajectory (the activation
 * coefficients were measured on other shapes; see memory-plan.ts).
 */
for (const lora of [false, true]) {
  test(`measured memory of one RL step matches the plan (${lora ? 'LoRA' : 'full weights + KL reference'})`, async () => {
    const empty = tf.memory().numBytes;
    const base = createModel(TINY, 3);
    const policy = lora ? new LoraTransformer(base, { ...LORA, seed: 0 }) : base;
    const start = tf.memory().numBytes;
    let between = 0;
    let longest = 0;
    let observation = 0;
    const profile = await tf.profile(async () => {
      await trainPolicy({
        policy,
        tokenizer,
        questions,
        engine,
        config: CONFIG,
        quiet: true,
        onStep: (_m, trajs) => {
          between = tf.memory().numBytes;
          longest = Math.max(...trajs.map((t) => t.ids.length));
          observation = Math.max(...trajs.map((t) => t.mask.slice(t.promptLength).filter((m) => m === 0).length));
        },
      });
    });
    const plan = planMemory(
      base.config,
      { ...CONFIG, rollout: { ...CONFIG.rollout, maxContextTokens: longest } },
      {
        lora: lora ? LORA : null,
        fused: tf.getBackend() === 'native',
        insertTokens: Math.max(1, observation),
      },
    );
    const weights = lora ? row(plan, 'policy weights (frozen base)') + row(plan, 'LoRA adapters') : row(plan, 'policy weights');
    assert.equal(start - empty, weights, 'the model alone');
    assert.ok(Math.abs(between - empty - plan.totals.resident) <= 1024, `between steps ${between - empty} B, plan's resident rows ${plan.totals.resident} B`);
    assert.equal(tf.memory().numBytes, start, 'the step frees everything but the model');
    const ratio = (profile.peakBytes - start) / (plan.totals.peak - weights);
    assert.ok(
      ratio > 0.65 && ratio < 1.35,
      `peak above the model ${profile.peakBytes - start} B vs plan ${plan.totals.peak - weights} B (ratio ${ratio.toFixed(2)})`,
    );
    if (lora) policy.dispose();
    base.dispose();
  });
}
