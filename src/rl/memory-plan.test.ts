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
import { rollout, Trajectory } from '../agent/rollout';
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

/** The memory settings of a run: none (the micro world's), and the paper recipe's kind (checkpointing, chunked attention and rollout), also with PPO's critic. */
const MEMORY: Record<string, Partial<TrainerConfig>> = {
  'whole activations': {},
  'checkpointed, chunked': { activationCheckpointing: true, attentionChunk: 8, rollout: { ...CONFIG.rollout, chunkRows: 2 } },
  'PPO, checkpointed, chunked': { estimator: 'gae', activationCheckpointing: true, attentionChunk: 8, rollout: { ...CONFIG.rollout, chunkRows: 2 } },
};

test('the plan counts the memory settings: less activation memory, a rollout of one chunk of rows, inserts in pieces', () => {
  const c = fixture('qwen2.5-3b');
  const paper = {
    ...CONFIG,
    questionsPerStep: 64,
    rolloutsPerQuestion: 5,
    microBatchSize: 1,
    rollout: { ...CONFIG.rollout, maxContextTokens: 4096, maxObsTokens: 2048 },
  };
  const plain = planMemory(c, paper);
  const ckpt = planMemory(c, { ...paper, activationCheckpointing: true });
  const chunked = planMemory(c, { ...paper, activationCheckpointing: true, attentionChunk: 256 });
  assert.ok(row(ckpt, 'activations') < row(plain, 'activations') / 10, 'checkpointing keeps one layer of 36');
  assert.ok(row(chunked, 'activations') < row(ckpt, 'activations') / 2, "a chunk's scores instead of 4,096 queries' scores");
  const rows = planMemory(c, { ...paper, rollout: { ...paper.rollout, chunkRows: 5 } });
  assert.equal(row(rows, 'rollout KV cache') * 64, row(plain, 'rollout KV cache'), '5 rows of 320');
  assert.equal(rows.setting.rolloutChunkRows, 5);
  const pieces = planMemory(c, { ...paper, rollout: { ...paper.rollout, insertChunk: 256 } });
  assert.ok(row(pieces, 'rollout observation pass') < row(plain, 'rollout observation pass') / 4, '256 of 2,048 observation tokens per pass');
  assert.equal(planMemory(c, { ...paper, rollout: { ...paper.rollout, chunkRows: 1000 } }).setting.rolloutChunkRows, 320);
});

/**
 * One RL step of a tiny Qwen2-shaped model, measured with tf.profile: between steps the backend holds exactly the
 * plan's resident rows (weights, reference, AdamW m and v: all f32, so byte for byte; 1 KiB for stray scalars),
 * and the step's peak lands within 35% of the plan's peak at the step's own longest trajectory (the activation
 * coefficients were measured on other shapes; see memory-plan.ts).
 */
for (const [setting, memory] of Object.entries(MEMORY))
  for (const lora of [false, true]) {
    test(`measured memory of one RL step matches the plan (${lora ? 'LoRA' : 'full weights + KL reference'}; ${setting})`, async (t) => {
      const config = { ...CONFIG, ...memory };
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
          config,
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
        { ...config, rollout: { ...config.rollout, maxContextTokens: longest } },
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
      const phases = `rollout ${plan.totals.rollout} B, update ${plan.totals.update} B, critic update ${plan.totals['critic update']} B`;
      t.diagnostic(
        `peak above the model: measured ${profile.peakBytes - start} B, plan ${plan.totals.peak - weights} B (${phases}), ratio ${ratio.toFixed(2)}`,
      );
      assert.ok(
        ratio > 0.65 && ratio < 1.35,
        `peak above the model ${profile.peakBytes - start} B vs plan ${plan.totals.peak - weights} B (ratio ${ratio.toFixed(2)})`,
      );
      if (lora) policy.dispose();
      base.dispose();
    });
  }

/**
 * The rollout phase alone (8 rows, two turns), measured with tf.profile: its peak over the model against the plan's
 * rollout rows (KV cache and observation pass) at the rollout's own longest trajectory and observation, with all
 * rows in one cache, in chunks of 2, and in chunks of 2 with inserts of 4 tokens per pass.
 */
for (const chunks of [{}, { chunkRows: 2 }, { chunkRows: 2, insertChunk: 4 }]) {
  test(`measured memory of a rollout matches the plan's rollout rows (${JSON.stringify(chunks)})`, async (t) => {
    const model = createModel(TINY, 3);
    const start = tf.memory().numBytes;
    const rolloutOpts = { ...CONFIG.rollout, maxTurns: 2, maxTurnTokens: 12, ...chunks, seed: 4 };
    let trajs: Trajectory[] = [];
    const profile = await tf.profile(async () => {
      trajs = await rollout(model, tokenizer, questions.slice(0, 8), engine, rolloutOpts);
    });
    const longest = Math.max(...trajs.map((tr) => tr.ids.length));
    const observation = Math.max(1, ...trajs.flatMap((tr) => tr.turns.map((turn) => tokenizer.encode(turn.observation).length + 1)));
    const trainer = { ...CONFIG, questionsPerStep: 8, rolloutsPerQuestion: 1, rollout: { ...rolloutOpts, maxContextTokens: longest } };
    const plan = planMemory(model.config, trainer, { fused: tf.getBackend() === 'native', insertTokens: observation });
    const ratio = (profile.peakBytes - start) / plan.totals.rollout;
    t.diagnostic(`rollout peak above the model: measured ${profile.peakBytes - start} B, plan ${plan.totals.rollout} B, ratio ${ratio.toFixed(2)}`);
    assert.ok(ratio > 0.5 && ratio < 1.35, `rollout peak ${profile.peakBytes - start} B vs plan ${plan.totals.rollout} B (ratio ${ratio.toFixed(2)})`);
    model.dispose();
  });
}
