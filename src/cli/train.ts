/**
 * `zerosearch train`: one RL run of the micro-world policy with search, then its EM with the real engine. It
 * builds through the same stage functions as `reproduce` (../reproduce/stages), in the same folder layout, so a
 * reproduce seed folder given as --out (or --reuse) serves its world, policy base and simulator, and a run
 * whose config matches one of reproduce's is that run.
 *
 *   zerosearch train --preset quick --engine bm25 --out runs/q                           # Search-R1 setting
 *   zerosearch train --preset quick --engine simulated --out runs/q                      # ZeroSearch (curriculum 0 → 0.25)
 *   zerosearch train --preset quick --engine simulated --noise 0.5 --out runs/q          # Table 6 "Random"
 *   zerosearch train --preset quick --engine none --out runs/q --reuse results/quick/seed-1   # R1 (no search)
 *
 * Folder: world/, policy-base/, simulator/ (as reproduce's seed folders), rl/<run>/ (metrics.jsonl, checkpoints,
 * policy/), eval/base/ and eval/<run>/ (predictions + report), <run>.json (config and EM). Every stage is cached,
 * so running the same command again after a kill continues where it stopped.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { initBackend } from '../tensor';
import { writeJsonAtomic } from '../util';
import { ADVANTAGE_ESTIMATORS, AdvantageEstimator } from '../rl/advantages';
import { checkTrainerConfig } from '../rl/trainer';
import type { NoiseSpec, TrainerConfig } from '../rl/trainer';
import { CURRICULUM } from '../rl/curriculum';
import { evaluatePolicy } from '../eval/evaluate';
import type { RunSpec, TrainEngine } from '../reproduce/presets';
import { seedStages, trainRun } from '../reproduce/stages';
import { resolveRunConfig, runTrainerConfig } from '../reproduce/run-config';
import { cachedEvaluation, evalRows } from '../reproduce/reproduce';
import { parseNumber, presetOption } from './options';
import { HfTrainOpts, SharedTrainOpts, addHfTrainOptions, trainHf } from './train-hf';

interface TrainOpts extends SharedTrainOpts {
  preset: string;
  rlSeed?: string;
  reuse?: string;
  name?: string;
  set?: string[];
  curriculum?: string;
  noise?: string;
  eval: boolean;
}

/** The micro-world engines of `--engine`, as reproduce names them (and its run of the same engine). */
const ENGINES: Record<string, { engine: TrainEngine; run: string }> = {
  bm25: { engine: 'bm25', run: 'search-r1' },
  simulated: { engine: 'simulator-sft', run: 'zerosearch' },
  none: { engine: 'none', run: 'r1' },
};

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
  addHfTrainOptions(
    program
      .command('train')
      .description(
        'RL of the micro-world policy with BM25, the simulator or no search, then EM with BM25 on the test sets; or, with --policy, of a Hugging Face checkpoint (see train-hf.ts)',
      )
      .addOption(presetOption(['tiny', 'quick'], "the stages and budgets of reproduce's preset of that name"))
      .option('--seed <n>', 'world seed (also the seed of its policy base and simulator)', '1')
      .option('--rl-seed <n>', 'seed of the RL run (default: the world seed)')
      .option(
        '--engine <kind>',
        'bm25 (Search-R1 setting) | simulated (ZeroSearch) | none (R1); with --policy: none | bm25:<corpus> | retriever:<url> | serpapi | simulated:<dir or url>',
        'bm25',
      )
      .requiredOption('--out <dir>', 'run folder (a reproduce seed folder works: its stages are used)')
      .option('--reuse <dir>', 'copy world, policy base and simulator from this folder where --out lacks them (e.g. results/quick/seed-1)')
      .option('--set <path=value...>', 'edit the resolved run config, e.g. rl.rollout.maxTurns=4 (see zerosearch config)')
      .option('--name <run>', "run folder name under rl/ (default: reproduce's name for the engine: search-r1, zerosearch, r1)")
      .option('--curriculum <ps,pe>', 'noise curriculum p_s,p_e (simulated engine; default 0,0.25 as in the paper for Qwen-2.5-3B)')
      .option('--noise <p>', 'constant noise probability instead of the curriculum (Table 6 "Random": 0.5)')
      .option('--estimator <name>', `advantage estimator: ${ADVANTAGE_ESTIMATORS.join(' | ')}`)
      .option('--steps <n>', 'RL steps (default: the preset)')
      .option('--lr <x>', 'learning rate (default: the preset)')
      .option('--kl-coef <x>', 'KL coefficient to the base policy (default 0)')
      .option('--mini-batch <n>', 'trajectories per optimizer update (default: the whole step in one update)')
      .option('--epochs <n>', "passes over each step's trajectories (PPO-style reuse; default 1)")
      .option('--no-mask', 'give document tokens the loss too (Table 7 ablation)')
      .option('--no-eval', 'skip the evaluation'),
  ).action(async (o: TrainOpts & HfTrainOpts) => {
    if (o.policy) return trainHf({ ...o, policy: o.policy }, o.curriculum || o.noise ? noiseSpec(o) : undefined);
    if (!['tiny', 'quick'].includes(o.preset)) throw new Error(`--preset ${o.preset}: expected tiny or quick`);
    const kind = ENGINES[o.engine];
    if (!kind) throw new Error(`--engine ${o.engine}: expected ${Object.keys(ENGINES).join(', ')}`);
    if (o.estimator && !ADVANTAGE_ESTIMATORS.includes(o.estimator as AdvantageEstimator)) {
      throw new Error(`--estimator ${o.estimator}: expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
    }
    // Every flag is checked before the policy base is built (minutes on quick).
    const run = resolveRunConfig(o.preset, {}, o.set);
    const seed = parseNumber('--seed', o.seed, { integer: true });
    const rlSeed = o.rlSeed === undefined ? seed : parseNumber('--rl-seed', o.rlSeed, { integer: true });
    const overrides: Partial<TrainerConfig> = { noise: noiseSpec(o) };
    if (!o.mask) overrides.maskDocuments = false;
    if (o.estimator) overrides.estimator = o.estimator as AdvantageEstimator;
    if (o.steps) overrides.steps = parseNumber('--steps', o.steps, { integer: true, min: 1 });
    if (o.lr) overrides.lr = parseNumber('--lr', o.lr);
    if (o.klCoef) overrides.klCoef = parseNumber('--kl-coef', o.klCoef, { min: 0 });
    if (o.miniBatch) overrides.miniBatchSize = parseNumber('--mini-batch', o.miniBatch, { integer: true, min: 0 });
    if (o.epochs) overrides.epochs = parseNumber('--epochs', o.epochs, { integer: true, min: 1 });
    const spec: RunSpec = { name: o.name ?? kind.run, engine: kind.engine, config: overrides };
    checkTrainerConfig(runTrainerConfig(run, spec, rlSeed));
    await initBackend();
    if (o.reuse) {
      for (const stage of ['world', 'policy-base', 'simulator']) {
        const [from, to] = [path.join(o.reuse, stage), path.join(o.out, stage)];
        if (fs.existsSync(from) && !fs.existsSync(to)) fs.cpSync(from, to, { recursive: true });
      }
    }
    fs.mkdirSync(o.out, { recursive: true });
    writeJsonAtomic(path.join(o.out, 'run-config.json'), run);
    const stages = await seedStages(run, seed, o.out, {});
    const trained = await trainRun(run, seed, rlSeed, o.out, spec, stages);
    const last = trained.metrics[trained.metrics.length - 1];
    process.stdout.write(
      `RL done: ${trained.metrics.length} steps; last reward ${last?.reward.toFixed(3)}, searches/trajectory ${last?.searchesPerTrajectory.toFixed(2)}\n`,
    );
    if (!o.eval) return;
    // The real engine at evaluation, greedy, on reproduce's held-out questions; R1 evaluates without search.
    const rows = evalRows(stages.world, run.evalPerSet);
    const name = path.basename(trained.dir!);
    const evaluate = (method: string, model: typeof trained.policy, engine: typeof stages.bm25 | null) =>
      cachedEvaluation(o.out, method, rows, (file) =>
        evaluatePolicy(model, stages.base.tokenizer, rows, engine, { predictionsFile: file, label: `eval ${method}`, rollout: trained.config.rollout }),
      );
    const before = await evaluate('base', stages.base.model, stages.bm25);
    const after = await evaluate(name, trained.policy, kind.engine === 'none' ? null : stages.bm25);
    const em = (e: typeof before) => ({
      ...Object.fromEntries(Object.entries(e.summary.perDataset).map(([set, d]) => [set, d.em])),
      average: e.summary.average.em,
    });
    writeJsonAtomic(path.join(o.out, `${name}.json`), {
      engine: o.engine,
      seed,
      rlSeed,
      preset: o.preset,
      config: trained.config,
      base: em(before),
      rl: em(after),
    });
    process.stdout.write(`${'set'.padEnd(16)} base    rl\n`);
    for (const [set, d] of Object.entries(after.summary.perDataset))
      process.stdout.write(`${set.padEnd(16)} ${before.summary.perDataset[set].em.toFixed(3)}   ${d.em.toFixed(3)}\n`);
    process.stdout.write(`${'average'.padEnd(16)} ${before.summary.average.em.toFixed(3)}   ${after.summary.average.em.toFixed(3)}\n`);
  });
}
