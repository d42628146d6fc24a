import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { createModel, Transformer } from '../model/transformer';
import type { Tokenizer } from '../text/tokenizer';
import { LocalGenerator, SimulatedSearchEngine } from '../simulator/engine';
import { generateWorld } from '../world/generate';
import { worldEngine } from '../search/bm25';
import type { SearchEngine, SearchOptions } from '../search/types';
import { policyTokenizer } from '../agent/policy-base';
import { WordTokenizer } from '../text/word-tokenizer';
import { rollout } from '../agent/rollout';
import { readJsonl } from '../util';
import { noiseProbability } from './curriculum';
import { policyLoss } from './losses';
import { StepMetrics, TrainerConfig, stepQuestionIndices, targetLossMask, trainPolicy } from './trainer';
import { readTrainState } from './train-state';

const world = generateWorld('tiny', 7);
const tokenizer = policyTokenizer([world]);
const engine = worldEngine(world);
const questions = world.questions.filter((q) => q.split === 'train');
const tinyModel = (seed = 1) =>
  createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, tieEmbeddings: true }, seed);
// Entropy bonus on: a random policy earns reward 0, so without it nothing would move and resume would be trivially exact.
const SMALL: Partial<TrainerConfig> = {
  steps: 4,
  questionsPerStep: 2,
  rolloutsPerQuestion: 2,
  miniBatchSize: 2,
  entropyCoef: 0.05,
  lr: 1e-2,
  rollout: { maxTurns: 1, maxTurnTokens: 6, topk: 1 },
};
// A policy over a 15-token vocabulary: even untrained, it writes `<search> … </search>` now and then.
const smallTokenizer = WordTokenizer.fromCorpus(['alpha beta gamma']);
const smallModel = (seed: number) =>
  createModel({ vocabSize: smallTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32 }, seed);
const withoutTime = (ms: StepMetrics[]) => ms.map(({ time: _t, ...rest }) => rest);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zs-rl-'));

before(async () => {
  await initBackend();
});

/**
 * Train 4 steps uninterrupted; train again with checkpoints every 2 steps, killed after step 3 (metrics.jsonl then
 * ends with a partial line, as a kill mid-write leaves it); resume with a fresh model and engine, as a new process
 * would. Returns both runs' metrics and final weights.
 */
async function killAndResume(o: { model: () => Transformer; tok: Tokenizer; engine: () => SearchEngine | null; config: Partial<TrainerConfig> }) {
  const full = o.model();
  const a = await trainPolicy({ policy: full, tokenizer: o.tok, questions, engine: o.engine(), config: o.config, quiet: true });
  const dir = tmp();
  const config = { ...o.config, checkpointEvery: 2 };
  const killed = o.model();
  await assert.rejects(
    trainPolicy({
      policy: killed,
      tokenizer: o.tok,
      questions,
      engine: o.engine(),
      config,
      outDir: dir,
      quiet: true,
      onStep: (m) => {
        if (m.step === 3) throw new Error('killed');
      },
    }),
    /killed/,
  );
  killed.dispose();
  assert.equal(readJsonl(path.join(dir, 'metrics.jsonl')).length, 3);
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step":4,"rew');
  const resumed = o.model();
  const b = await trainPolicy({ policy: resumed, tokenizer: o.tok, questions, engine: o.engine(), config, outDir: dir, quiet: true });
  assert.deepEqual(withoutTime(readJsonl<StepMetrics>(path.join(dir, 'metrics.jsonl'))), withoutTime(a.metrics));
  return { a, b, full, resumed, dir };
}

test('kill after step 3, resume from the step-2 checkpoint: metrics and weights equal an uninterrupted run', async () => {
  const { a, b, full, resumed, dir } = await killAndResume({ model: () => tinyModel(), tok: tokenizer, engine: () => engine, config: SMALL });
  assert.equal(a.metrics.length, 4);
  assert.ok(
    a.metrics.some((m) => m.gradNorm > 0),
    'the policy must actually change',
  );
  assert.deepEqual(withoutTime(b.metrics), withoutTime(a.metrics));
  for (const [name, v] of full.params) assert.deepEqual(resumed.params.get(name)!.dataSync(), v.dataSync(), name);
  await assert.rejects(
    trainPolicy({ policy: resumed, tokenizer, questions, engine, config: { ...SMALL, lr: 1, checkpointEvery: 2 }, outDir: dir, quiet: true }),
    /another config/,
  );
  // Killed between moving the old checkpoint aside and putting the new one in place: the old one is found again.
  const ckpt = path.join(dir, 'checkpoint');
  fs.renameSync(ckpt, `${ckpt}.old`);
  assert.equal(readTrainState(ckpt)?.step, 4);
  assert.ok(fs.existsSync(path.join(ckpt, 'policy', 'model.safetensors')));
  full.dispose();
  resumed.dispose();
});

test("exact resume with the simulated engine (its noisy/useful draws and sampling seeds) and with PPO's critic", async () => {
  // A 15-token policy searches now and then; the simulator is a small random model over the same words.
  const simulator = smallModel(11);
  const simulated = () => new SimulatedSearchEngine({ generator: new LocalGenerator(simulator, smallTokenizer), seed: 5, maxTokens: 6 });
  const config: Partial<TrainerConfig> = { ...SMALL, questionsPerStep: 4, noise: { constant: 0.5 }, rollout: { maxTurns: 2, maxTurnTokens: 10, topk: 1 } };
  const zs = await killAndResume({ model: () => smallModel(5), tok: smallTokenizer, engine: simulated, config });
  const searched = zs.a.metrics.filter((m) => m.noisyFraction !== null).map((m) => m.step);
  assert.ok(searched.includes(2) && searched.includes(3), `the policy searched before and after the checkpoint (steps ${searched})`);
  assert.deepEqual(withoutTime(zs.b.metrics), withoutTime(zs.a.metrics));
  for (const [name, v] of zs.full.params) assert.deepEqual(zs.resumed.params.get(name)!.dataSync(), v.dataSync(), name);
  const ppo = await killAndResume({
    model: () => smallModel(5),
    tok: smallTokenizer,
    engine: simulated,
    config: { ...config, estimator: 'gae', klCoef: 0.01 },
  });
  assert.ok(ppo.a.metrics.every((m) => m.valueLoss !== null));
  assert.deepEqual(withoutTime(ppo.b.metrics), withoutTime(ppo.a.metrics));
  for (const m of [zs.full, zs.resumed, ppo.full, ppo.resumed, simulator]) m.dispose();
});

test('the curriculum p_i of each step reaches the engine; no tensors leak across steps', async () => {
  const seen: number[] = [];
  const recording: SearchEngine = {
    async search(qs: string[], opts: SearchOptions & { noiseProbability?: number }) {
      seen.push(opts.noiseProbability!);
      return qs.map(() => [{ text: 'alpha beta' }]);
    },
  };
  const model = smallModel(3);
  const before = tf.memory().numTensors;
  const r = await trainPolicy({
    policy: model,
    tokenizer: smallTokenizer,
    questions,
    engine: recording,
    quiet: true,
    config: {
      ...SMALL,
      steps: 3,
      questionsPerStep: 4,
      rolloutsPerQuestion: 4,
      noise: { start: 0, end: 0.5 },
      rollout: { maxTurns: 2, maxTurnTokens: 10, topk: 1 },
    },
  });
  assert.equal(tf.memory().numTensors, before);
  const expected = [1, 2, 3].map((s) => noiseProbability(s, 3, { start: 0, end: 0.5 }));
  assert.deepEqual(
    r.metrics.map((m) => m.noiseProbability),
    expected,
  );
  assert.ok(seen.length > 0, 'the policy searched at least once');
  for (const p of seen) assert.ok(expected.includes(p), `engine got p=${p}`);
  model.dispose();
});

test('with masking off, document tokens get gradient; with masking on, exactly zero', async () => {
  const model = smallModel(3);
  const trajs = await rollout(model, smallTokenizer, questions.slice(0, 6), engine, { seed: 2, maxTurns: 1, maxTurnTokens: 5, topk: 1 });
  const t = trajs.find((x) => x.mask.slice(x.promptLength).includes(0));
  assert.ok(t, 'a trajectory with an inserted observation');
  const docPositions = t.mask.map((m, i) => (i >= t.promptLength && m === 0 ? i - 1 : -1)).filter((j) => j >= 0);
  for (const maskDocuments of [true, false]) {
    const mask = tf.tensor2d([targetLossMask(t, maskDocuments)]);
    const old = model.tokenLogProbs([t.ids]);
    const adv = tf.onesLike(old);
    const current = old.clone(); // a separate tensor, so the ratio's denominator is a constant
    const g = tf.grad((lp: tf.Tensor) => policyLoss({ logProbs: lp, oldLogProbs: old, advantages: adv, mask }).loss)(current);
    const grad = g.arraySync() as number[][];
    const onDocs = docPositions.map((j) => grad[0][j]);
    if (maskDocuments) assert.ok(onDocs.every((x) => x === 0));
    else
      assert.ok(
        onDocs.every((x) => x < 0),
        'every inserted token is pushed up by a positive advantage',
      );
    assert.ok(
      t.mask.every((m, i) => i === 0 || m === 0 || grad[0][i - 1] < 0),
      'policy tokens always get gradient',
    );
    assert.ok(
      grad[0].slice(0, t.promptLength - 1).every((x) => x === 0),
      'the prompt never gets gradient',
    );
    tf.dispose([mask, old, current, adv, g]);
  }
  model.dispose();
});

test('every estimator runs a step (PPO with its critic) and reports finite numbers', async () => {
  for (const estimator of ['reinforce', 'grpo', 'reinforce++', 'gae'] as const) {
    const model = tinyModel(4);
    const r = await trainPolicy({
      policy: model,
      tokenizer,
      questions,
      engine: null,
      quiet: true,
      config: { ...SMALL, steps: 1, miniBatchSize: 0, estimator, klCoef: estimator === 'gae' ? 0.01 : 0.001 },
    });
    const m = r.metrics[0];
    for (const k of ['reward', 'pgLoss', 'kl', 'entropy', 'gradNorm'] as const) assert.ok(Number.isFinite(m[k]), `${estimator} ${k}`);
    assert.ok(Math.abs(m.kl!) < 1e-5, 'before any update the policy equals its reference');
    if (estimator === 'gae') assert.ok(Number.isFinite(m.valueLoss!));
    else assert.equal(m.valueLoss, null);
    model.dispose();
  }
});

test('memory settings change memory, not the run: PPO with checkpointing, chunked attention and rollout chunks', async () => {
  const base: Partial<TrainerConfig> = { ...SMALL, steps: 2, estimator: 'gae', klCoef: 0.1, microBatchSize: 1 };
  const memory: Partial<TrainerConfig> = { activationCheckpointing: true, attentionChunk: 5, rollout: { ...SMALL.rollout, chunkRows: 1, insertChunk: 7 } };
  const runs = await Promise.all(
    [base, { ...base, ...memory }].map(async (config) => {
      const policy = tinyModel(6);
      const { metrics } = await trainPolicy({ policy, tokenizer, questions, engine, config, quiet: true });
      const weights = [...policy.params.values()].map((v) => Array.from(v.dataSync()));
      policy.dispose();
      return { metrics: withoutTime(metrics), weights };
    }),
  );
  const [plain, saving] = runs;
  plain.metrics.forEach((m, i) => {
    for (const [k, v] of Object.entries(m)) {
      const w = (saving.metrics[i] as Record<string, unknown>)[k];
      if (typeof v === 'number') assert.ok(Math.abs(v - (w as number)) <= 1e-4 * (1 + Math.abs(v)), `step ${m.step} ${k}: ${v} vs ${w}`);
      else assert.deepEqual(w, v, `step ${m.step} ${k}`);
    }
  });
  // Adam divides by √v, so float rounding in near-zero gradients moves a weight by a few % of one step (lr 1e-2); the
  // gradients themselves are compared through gradNorm above.
  plain.weights.forEach((w, i) =>
    w.forEach((x, j) => assert.ok(Math.abs(x - saving.weights[i][j]) < 5e-4, `weight ${i}[${j}]: ${x} vs ${saving.weights[i][j]}`)),
  );
});

test('NaN guard names the step and the quantity', async () => {
  const model = tinyModel(5);
  tf.tidy(() => {
    const w = model.params.get('model.norm.weight')!;
    w.assign(tf.fill(w.shape, NaN));
  });
  await assert.rejects(
    trainPolicy({ policy: model, tokenizer, questions, engine: null, quiet: true, config: { ...SMALL, steps: 1 } }),
    /step 1: (policy loss|gradient norm) is NaN/,
  );
  model.dispose();
});

test('question sampling: consecutive slices of a per-epoch shuffle; bad config is named', async () => {
  const steps = [1, 2, 3].map((s) => stepQuestionIndices(5, 2, 9, s));
  assert.deepEqual([...steps[0], ...steps[1], steps[2][0]].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(stepQuestionIndices(5, 2, 9, 2), steps[1]);
  const model = tinyModel();
  await assert.rejects(trainPolicy({ policy: model, tokenizer, questions, engine: null, config: { steps: 0 } }), /steps/);
  await assert.rejects(trainPolicy({ policy: model, tokenizer, questions: [{ question: 'x' }], engine: null }), /golden_answers/);
  model.dispose();
});
