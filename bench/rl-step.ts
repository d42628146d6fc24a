/**
 * Where a ZeroSearch RL step's time goes, on a reproduce seed folder's stages (world, policy base, simulator):
 * a few training steps with the simulated engine and with BM25, each step split into policy decoding,
 * engine time (the simulator's decoding, or BM25), old log-probs ("prepare") and the update. The simulator's
 * decoding is split further into model forward passes and sampling in JavaScript.
 *
 *   npx tsx bench/rl-step.ts --dir results/quick/seed-1 [--steps 4] [--preset quick]
 */
import * as path from 'node:path';
import { initBackend } from '../src/tensor';
import { seedStages } from '../src/reproduce/stages';
import { resolveRunConfig, runTrainerConfig } from '../src/reproduce/run-config';
import { trainingSimulator, trainQuestions } from '../src/rl/pipeline';
import { cloneModel } from '../src/model/transformer';
import { trainPolicy } from '../src/rl/trainer';
import type { SearchEngine } from '../src/search/types';
import type { Transformer } from '../src/model/transformer';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Wraps the engine's search methods (plain and detailed) in place to add their wall time to `clock.engine`. */
function timedEngine<E extends SearchEngine>(engine: E, clock: { engine: number }): E {
  const target = engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const method of ['search', 'searchDetailed']) {
    const original = target[method]?.bind(engine);
    if (!original) continue;
    target[method] = async (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return await original(...a);
      } finally {
        clock.engine += (performance.now() - t0) / 1000;
      }
    };
  }
  return engine;
}

/** Wraps `model.extend` (every decoding forward pass) to add its wall time to `clock.forward`. */
function timedForward(model: Transformer, clock: { forward: number }): void {
  const extend = model.extend.bind(model);
  model.extend = ((...a: Parameters<Transformer['extend']>) => {
    const t0 = performance.now();
    const out = extend(...a);
    out.dataSync();
    clock.forward += (performance.now() - t0) / 1000;
    return out;
  }) as Transformer['extend'];
}

async function main(): Promise<void> {
  const dir = arg('dir', 'results/quick/seed-1');
  const steps = Number(arg('steps', '4'));
  const run = resolveRunConfig(arg('preset', 'quick'));
  await initBackend();
  const stages = await seedStages(run, Number(path.basename(dir).replace('seed-', '')), dir, { quiet: true, parallel: false });
  const spec = run.runs.find((r) => r.engine === 'simulator-sft')!;
  const config = { ...runTrainerConfig(run, spec, 1), steps, checkpointEvery: 0 };
  const rows: Record<string, unknown>[] = [];
  for (const name of ['bm25', 'simulator-sft'] as const) {
    const clock = { engine: 0, forward: 0 };
    const sim = stages.sim.sft;
    if (name === 'simulator-sft') timedForward(sim, clock);
    const engine = name === 'bm25' ? stages.bm25 : trainingSimulator(sim, stages.sim.tokenizer, config.rollout, { seed: 1, promptStyle: 'sft' });
    const { metrics } = await trainPolicy({
      policy: cloneModel(stages.base.model, true),
      tokenizer: stages.base.tokenizer,
      questions: trainQuestions(stages.world),
      engine: timedEngine(engine, clock),
      config,
      quiet: true,
    });
    const sum = (k: 'rollout' | 'prepare' | 'update') => metrics.reduce((a, m) => a + m.time[k], 0) / metrics.length;
    const perStep = (x: number) => x / metrics.length;
    rows.push({
      engine: name,
      steps: metrics.length,
      'policy decoding (s/step)': +(sum('rollout') - perStep(clock.engine)).toFixed(3),
      'engine (s/step)': +perStep(clock.engine).toFixed(3),
      ...(name === 'simulator-sft'
        ? {
            '  of which simulator forward passes': +perStep(clock.forward).toFixed(3),
            '  of which sampling, parsing, prompts': +perStep(clock.engine - clock.forward).toFixed(3),
          }
        : {}),
      'prepare (s/step)': +sum('prepare').toFixed(3),
      'update (s/step)': +sum('update').toFixed(3),
      'total (s/step)': +(sum('rollout') + sum('prepare') + sum('update')).toFixed(3),
    });
  }
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`rl-step: ${err.message}\n`);
  process.exit(1);
});
