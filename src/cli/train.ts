/**
 * `zerosearch train`: RL of the micro-world policy with search, then its EM with the real engine.
 *
 *   zerosearch train --preset quick --engine bm25 --out runs/rl-bm25                 # Search-R1 setting
 *   zerosearch train --preset quick --engine simulated --curriculum 0,0.25 --out runs/zs  # ZeroSearch
 *   zerosearch train --preset quick --engine simulated --noise 0.5 --out runs/zs-random   # Table 6 "Random"
 *   zerosearch train --preset quick --engine none --out runs/r1                       # R1 (no search)
 *
 * Stages land in --out: policy-base/ (shared by runs when --base-dir points at one), simulator/ (for
 * --engine simulated, or --simulator-dir), rl/ (metrics.jsonl, checkpoints, policy/), eval.json.
 * Every stage is cached, so running the same command again after a kill continues where it stopped.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { initBackend } from '../tensor';
import { generateWorld } from '../world/generate';
import type { PresetName } from '../world/config';
import { QUESTION_SETS } from '../world/types';
import { writeJsonAtomic } from '../util';
import { buildPolicyBase } from '../agent/policy-base';
import { buildSimulator } from '../simulator/pipeline';
import type { SearchEngine } from '../search/types';
import { ADVANTAGE_ESTIMATORS, AdvantageEstimator } from '../rl/advantages';
import { evaluateEm, rlConfig, trainingSimulator, trainPolicyStage, trainQuestions, worldEngine } from '../rl/pipeline';
import { checkTrainerConfig } from '../rl/trainer';
import type { NoiseSpec, TrainerConfig } from '../rl/trainer';
import { CURRICULUM } from '../rl/curriculum';
import { parseNumber } from './options';
import { HfTrainOpts, addHfTrainOptions, trainHf } from './train-hf';

interface TrainOpts {
  preset: string; seed: string; worldSeed: string; engine: string; out: string; baseDir?: string; simulatorDir?: string;
  curriculum?: string; noise?: string; estimator?: string; steps?: string; lr?: string; klCoef?: string; miniBatch?: string; epochs?: string; mask: boolean; eval: boolean;
}

function noiseSpec(o: TrainOpts): NoiseSpec {
  if (o.curriculum && o.noise) throw new Error('--curriculum and --noise: give one of them');
  if (o.noise) return { constant: parseNumber('--noise', o.noise, { min: 0, max: 1 }) };
  if (o.curriculum) {
    const [start, end] = o.curriculum.split(',').map((s) => parseNumber('--curriculum', s, { min: 0, max: 1 }));
    if (end === undefined) throw new Error(`--curriculum: expected "start,end", got "${o.curriculum}"`);
    return { start, end };
  }
  return o.engine === 'simulated' ? CURRICULUM : null;
}

export function register(program: Command): void {
  addHfTrainOptions(program
    .command('train')
    .description('RL of the micro-world policy with BM25, the simulator or no search, then EM with BM25 on the test sets; or, with --policy, of a Hugging Face checkpoint (see train-hf.ts)')
    .option('--preset <name>', 'tiny | quick | paper', 'quick')
    .option('--seed <n>', 'seed of the policy base, the RL run and the simulator', '1')
    .option('--world-seed <n>', 'seed of the test world', '1')
    .option('--engine <kind>', 'bm25 (Search-R1 setting) | simulated (ZeroSearch) | none (R1); with --policy: none | bm25:<corpus> | retriever:<url> | serpapi | simulated:<dir or url>', 'bm25')
    .requiredOption('--out <dir>', 'run folder')
    .option('--base-dir <dir>', 'policy base stage folder (default <out>/policy-base)')
    .option('--simulator-dir <dir>', 'simulator stage folder (default <out>/simulator)')
    .option('--curriculum <ps,pe>', 'noise curriculum p_s,p_e (simulated engine; default 0,0.25 as in the paper for Qwen-2.5-3B)')
    .option('--noise <p>', 'constant noise probability instead of the curriculum (Table 6 "Random": 0.5)')
    .option('--estimator <name>', `advantage estimator: ${ADVANTAGE_ESTIMATORS.join(' | ')}`)
    .option('--steps <n>', 'RL steps (default: the preset)')
    .option('--lr <x>', 'learning rate (default: the preset)')
    .option('--kl-coef <x>', 'KL coefficient to the base policy (default 0)')
    .option('--mini-batch <n>', 'trajectories per optimizer update (default: the whole step in one update)')
    .option('--epochs <n>', 'passes over each step\'s trajectories (PPO-style reuse; default 1)')
    .option('--no-mask', 'give document tokens the loss too (Table 7 ablation)')
    .option('--no-eval', 'skip the evaluation'))
    .action(async (o: TrainOpts & HfTrainOpts) => {
      if (o.policy) return trainHf({ ...o, policy: o.policy }, o.curriculum || o.noise ? noiseSpec(o) : undefined);
      if (!['tiny', 'quick', 'paper'].includes(o.preset)) throw new Error(`--preset ${o.preset}: expected tiny, quick or paper`);
      if (!['bm25', 'simulated', 'none'].includes(o.engine)) throw new Error(`--engine ${o.engine}: expected bm25, simulated or none`);
      if (o.estimator && !ADVANTAGE_ESTIMATORS.includes(o.estimator as AdvantageEstimator)) {
        throw new Error(`--estimator ${o.estimator}: expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
      }
      // Every flag is checked before the policy base is built (minutes on quick).
      const preset = o.preset as PresetName;
      const seed = parseNumber('--seed', o.seed, { integer: true });
      const worldSeed = parseNumber('--world-seed', o.worldSeed, { integer: true });
      const overrides: Partial<TrainerConfig> = { seed, noise: noiseSpec(o), maskDocuments: o.mask };
      if (o.estimator) overrides.estimator = o.estimator as AdvantageEstimator;
      if (o.steps) overrides.steps = parseNumber('--steps', o.steps, { integer: true, min: 1 });
      if (o.lr) overrides.lr = parseNumber('--lr', o.lr);
      if (o.klCoef) overrides.klCoef = parseNumber('--kl-coef', o.klCoef, { min: 0 });
      if (o.miniBatch) overrides.miniBatchSize = parseNumber('--mini-batch', o.miniBatch, { integer: true, min: 0 });
      if (o.epochs) overrides.epochs = parseNumber('--epochs', o.epochs, { integer: true, min: 1 });
      const config = rlConfig(preset, overrides);
      checkTrainerConfig(config);
      await initBackend();
      const world = generateWorld(preset, worldSeed);
      const base = await buildPolicyBase(world, { preset, seed, outDir: o.baseDir ?? path.join(o.out, 'policy-base') });
      const bm25 = worldEngine(world);
      let engine: SearchEngine | null = o.engine === 'none' ? null : bm25;
      if (o.engine === 'simulated') {
        const sim = await buildSimulator(world, preset, { seed, outDir: o.simulatorDir ?? path.join(o.out, 'simulator'), skipQuality: true });
        engine = trainingSimulator(sim.sft, sim.tokenizer, config.rollout, { seed });
      }
      const stage = await trainPolicyStage({ base: base.model, tokenizer: base.tokenizer, questions: trainQuestions(world), engine, config, outDir: path.join(o.out, 'rl') });
      const last = stage.metrics[stage.metrics.length - 1];
      process.stdout.write(`RL done: ${stage.metrics.length} steps; last reward ${last?.reward.toFixed(3)}, searches/trajectory ${last?.searchesPerTrajectory.toFixed(2)}\n`);
      if (!o.eval) return;
      const testSet = world.questions.filter((q) => q.split === 'test');
      const rolloutOpts = { ...config.rollout };
      const before = await evaluateEm(base.model, base.tokenizer, testSet, bm25, rolloutOpts);
      const after = await evaluateEm(stage.policy, base.tokenizer, testSet, bm25, rolloutOpts);
      const row = (r: typeof before) => Object.fromEntries(QUESTION_SETS.map((s) => [s, r.bySet[s]?.em ?? null]));
      writeJsonAtomic(path.join(o.out, 'eval.json'), {
        engine: o.engine, seed, preset, base: { ...row(before), average: before.average }, rl: { ...row(after), average: after.average },
      });
      process.stdout.write(`${'set'.padEnd(16)} base    rl\n`);
      for (const s of QUESTION_SETS) {
        process.stdout.write(`${s.padEnd(16)} ${(before.bySet[s]?.em ?? 0).toFixed(3)}   ${(after.bySet[s]?.em ?? 0).toFixed(3)}\n`);
      }
      process.stdout.write(`${'average'.padEnd(16)} ${before.average.toFixed(3)}   ${after.average.toFixed(3)}\n`);
    });
}
