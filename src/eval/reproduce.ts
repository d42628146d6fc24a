/**
 * `zerosearch reproduce`: the whole micro-world reproduction behind one call, per seed
 *
 *   world → simulator (knowledge + SFT) → policy base → RL runs → evaluation (real engine) → tables → figures → summary.md
 *
 * Layout of `outDir`:
 *   seed-<s>/world/               the micro world (exportWorld)
 *   seed-<s>/simulator/           buildSimulator's stages (knowledge model, SFT data, SFT model)
 *   seed-<s>/policy-base/         buildPolicyBase
 *   seed-<s>/rl/<run>/            trainPolicyStage (metrics.jsonl, checkpoints, policy/)
 *   seed-<s>/eval/<method>/       predictions.jsonl (per row, with trajectories) + report.json
 *   seed-<s>/timings.json         wall time of each stage when it ran
 *   tables/table3.json|csv …      mean ± std over the seeds
 *   figures/*.png|html            ours vs the paper, training curves, curriculum, cost
 *   summary.md                    which of the paper's findings hold here
 *
 * Caching: every stage checks for its finished output and is skipped when present; the builders of the
 * other folders also resume interrupted training from their checkpoints and the evaluation resumes from
 * its predictions file, so killing and rerunning the command continues where it stopped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import type { Transformer } from '../model/transformer';
import type { SearchEngine } from '../search/types';
import { mapWithConcurrency } from '../search/simulated';
import { readJson, readJsonl, writeFileAtomic, writeJsonAtomic } from '../util';
import { initBackend } from '../tensor';
import { writeTable } from '../report/paperTables';
import { exportWorld, generateWorld, loadWorld, World, WORLD_PRESETS } from '../world';
import type { PresetName } from '../world/config';
import { buildPolicyBase } from '../agent/policy-base';
import type { PolicyBase } from '../agent/policy-base';
import { buildSimulator, SIMULATOR_PRESETS } from '../simulator/pipeline';
import type { SimulatorBuild, SimulatorPreset } from '../simulator/pipeline';
import { rlConfig, trainingSimulator, trainPolicyStage, trainQuestions, worldEngine } from '../rl/pipeline';
import type { PolicyStage } from '../rl/pipeline';
import type { StepMetrics, TrainerConfig } from '../rl/trainer';
import { evaluatePolicy, EvalReport, EvalRow } from './evaluate';
import { directPrompt, ragPrompts } from './baselines';
import { BaselineName, REPRODUCE_PRESETS, ReproducePreset, RunSpec, TrainEngine } from './presets';
import type { WorkerArgs } from './stage-worker';
import { buildTables, ReproduceTables, SeedResult } from './tables';
import { writeFigures } from './figures';
import { writeSummary } from './summary';

export interface ReproduceOptions {
  preset: PresetName;
  seeds: number[];
  outDir: string;
  /** Override parts of the reproduce preset (tests use this to cut steps). */
  overrides?: Partial<ReproducePreset>;
  /** Export PNGs through Chromium (default true; HTML is always written). */
  png?: boolean;
  quiet?: boolean;
  /** Train the simulator beside the policy base, and RL runs two at a time, in child processes (default true; 2 cores). */
  parallel?: boolean;
}

export interface ReproduceResult {
  tables: ReproduceTables;
  seeds: SeedResult[];
  files: { tables: string[]; figures: string[]; summary: string };
}

/** Evaluation rows: the test split of every micro set, in set order (at most `limit` per set). */
export function testRows(world: World, limit: number | null = null): EvalRow[] {
  const perSet = new Map<string, number>();
  return world.questions
    .filter((q) => q.split === 'test')
    .filter((q) => {
      const n = perSet.get(q.data_source) ?? 0;
      perSet.set(q.data_source, n + 1);
      return limit === null || n < limit;
    })
    .map((q) => ({ id: q.id, question: q.question, golden_answers: q.golden_answers, data_source: q.data_source }));
}

type Timings = Record<string, { seconds: number; at: string }>;

/** Runs `fn` and records its wall time under `name`, unless `done()` says the stage's output already exists. */
async function stage<T>(dir: string, name: string, done: () => boolean, fn: () => Promise<T>, quiet?: boolean): Promise<T> {
  const cached = done();
  if (!quiet) process.stderr.write(`[reproduce] ${path.basename(dir)} · ${name}${cached ? ' (cached)' : ''}\n`);
  const t0 = Date.now();
  const out = await fn();
  if (!cached) recordTiming(dir, name, (Date.now() - t0) / 1000);
  return out;
}

function recordTiming(dir: string, name: string, seconds: number): void {
  const file = path.join(dir, 'timings.json');
  const timings: Timings = fs.existsSync(file) ? readJson<Timings>(file) : {};
  timings[name] = { seconds, at: new Date().toISOString() };
  writeJsonAtomic(file, timings);
}

const exists = (...parts: string[]) => () => fs.existsSync(path.join(...parts));

/**
 * Run ./stage-worker.ts in a child process with `args` (its progress goes to our stderr). Resolves with its
 * wall seconds when it exits successfully.
 */
function workerProcess(args: WorkerArgs, what: string): Promise<number> {
  const t0 = Date.now();
  const worker = path.join(__dirname, 'stage-worker.ts');
  // The IPC channel is how the child notices this process is gone, however it ends (exit, SIGTERM, SIGKILL):
  // the channel closes and the child stops (see stage-worker.ts).
  const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: process.env });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve((Date.now() - t0) / 1000) : reject(new Error(`${what}: child process exited with ${signal ?? code}`))));
  });
}

/** Half the width of the preset's simulator (Table 4's second simulator size). */
function smallSimulator(p: SimulatorPreset): SimulatorPreset {
  const hidden = Math.max(16, Math.round((p.model.hiddenSize ?? 64) / 2 / 8) * 8);
  return { ...p, model: { ...p.model, hiddenSize: hidden, intermediateSize: Math.round((p.model.intermediateSize ?? 4 * hidden) / 2) } };
}

/** What every RL run of a seed starts from. */
interface SeedStages {
  world: World;
  bm25: SearchEngine;
  base: PolicyBase;
  sim: SimulatorBuild;
  small: SimulatorBuild | null;
}

/**
 * World → simulator ∥ policy base → small simulator (when a run needs it), each cached in `dir`. With
 * `parallel`, the simulator trains in a child process while this one builds the policy base; afterwards
 * buildSimulator only loads its stages.
 */
async function seedStages(presetName: PresetName, seed: number, dir: string, preset: ReproducePreset, opts: { quiet?: boolean; parallel?: boolean }): Promise<SeedStages> {
  const { quiet, parallel = true } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const worldDir = path.join(dir, 'world');
  const world = await stage(dir, 'world', exists(worldDir, 'world.json'), async () => {
    if (fs.existsSync(path.join(worldDir, 'world.json'))) return loadWorld(worldDir);
    const w = generateWorld(WORLD_PRESETS[presetName], seed);
    exportWorld(w, worldDir);
    return w;
  }, quiet);
  const simDir = path.join(dir, 'simulator');
  const simDone = exists(simDir, preset.simulatorQuality ? 'simulator.json' : 'sft', 'config.json');
  const simPreset: SimulatorPreset = { ...SIMULATOR_PRESETS[presetName], ...preset.simulator };
  const skipQuality = !preset.simulatorQuality;
  const simChild = !simDone() && parallel ? workerProcess({ kind: 'simulator', worldDir, preset: simPreset, seed, outDir: simDir, skipQuality }, `simulator of ${dir}`) : null;
  const baseDir = path.join(dir, 'policy-base');
  const base = await stage(dir, 'policy-base', exists(baseDir, 'policy-base.json'),
    () => buildPolicyBase(world, { preset: presetName, seed, outDir: baseDir, config: preset.policyBase }), quiet);
  const sim = await stage(dir, simChild ? 'simulator (after the policy base)' : 'simulator', simDone, async () => {
    if (simChild) recordTiming(dir, 'simulator (child process)', await simChild);
    return buildSimulator(world, simPreset, { seed, outDir: simDir, skipQuality });
  }, quiet);
  const smallDir = path.join(dir, 'simulator-small');
  const small = preset.runs.some((r) => r.engine === 'simulator-sft-small')
    ? await stage(dir, 'simulator-small', exists(smallDir, 'sft', 'config.json'), () => buildSimulator(world, smallSimulator(simPreset), { seed, outDir: smallDir, skipQuality: true }), quiet)
    : null;
  return { world, bm25: worldEngine(world), base, sim, small };
}

/** The engine an RL run trains with (../rl/pipeline `trainingSimulator` for the simulators). */
function trainingEngine(s: SeedStages, engine: TrainEngine, seed: number, rollout: TrainerConfig['rollout']): SearchEngine | null {
  const simulated = (build: SimulatorBuild, model: Transformer, promptStyle: 'sft' | 'prompt') => trainingSimulator(model, build.tokenizer, rollout, { seed, promptStyle });
  switch (engine) {
    case 'bm25': return s.bm25;
    case 'none': return null;
    case 'simulator-sft': return simulated(s.sim, s.sim.sft, 'sft');
    case 'simulator-prompt': return simulated(s.sim, s.sim.base, 'prompt');
    case 'simulator-sft-small': return simulated(s.small!, s.small!.sft, 'sft');
  }
}

const runConfig = (presetName: PresetName, preset: ReproducePreset, spec: RunSpec, seed: number): TrainerConfig =>
  rlConfig(presetName, { ...preset.rl, ...spec.config, seed });

/** One RL run of a seed folder whose earlier stages are built (the child-process entry calls this). */
export async function trainRun(presetName: PresetName, seed: number, dir: string, preset: ReproducePreset, spec: RunSpec, stages?: SeedStages, quiet?: boolean): Promise<PolicyStage> {
  const s = stages ?? (await seedStages(presetName, seed, dir, preset, { quiet: true, parallel: false }));
  const config = runConfig(presetName, preset, spec, seed);
  return trainPolicyStage({
    base: s.base.model, tokenizer: s.base.tokenizer, questions: trainQuestions(s.world), engine: trainingEngine(s, spec.engine, seed, config.rollout),
    config, outDir: path.join(dir, 'rl', spec.name), quiet,
  });
}

/** Everything of one seed; returns what the tables need. */
export async function reproduceSeed(presetName: PresetName, seed: number, dir: string, preset: ReproducePreset, opts: { quiet?: boolean; parallel?: boolean } = {}): Promise<SeedResult> {
  const { quiet, parallel = true } = opts;
  const stages = await seedStages(presetName, seed, dir, preset, opts);
  const { world, bm25, base } = stages;

  // Evaluation: every policy with the real engine, greedy; baselines on the base policy.
  const rows = testRows(world, preset.evalLimit);
  const rollout = rlConfig(presetName, preset.rl).rollout;
  const found: SeedResult['evals'] = {};
  const evaluate = async (method: string, run: () => Promise<EvalReport>) => {
    const evalDir = path.join(dir, 'eval', method);
    const reportFile = path.join(evalDir, 'report.json');
    found[method] = await stage(dir, `eval:${method}`, () => fs.existsSync(reportFile), async () => {
      if (fs.existsSync(reportFile)) return readJson<Omit<EvalReport, 'records'>>(reportFile);
      fs.mkdirSync(evalDir, { recursive: true });
      const { records: _records, ...summary } = await run();
      writeJsonAtomic(reportFile, summary);
      return summary;
    }, quiet);
  };
  const evalOpts = (method: string) => ({ predictionsFile: path.join(dir, 'eval', method, 'predictions.jsonl'), label: `eval ${method}`, quiet });
  const baselineRuns: Record<BaselineName, () => Promise<EvalReport>> = {
    direct: () => evaluatePolicy(base.model, base.tokenizer, rows, null, { ...evalOpts('direct'), rollout: { ...rollout, maxTurns: 0, prompt: directPrompt } }),
    rag: async () => evaluatePolicy(base.model, base.tokenizer, rows, null, {
      ...evalOpts('rag'), rollout: { ...rollout, maxTurns: 0, prompt: await ragPrompts(rows, bm25, preset.ragTopk) },
    }),
    base: () => evaluatePolicy(base.model, base.tokenizer, rows, bm25, { ...evalOpts('base'), rollout }),
  };
  const baselineJob = async () => {
    for (const b of preset.baselines) await evaluate(b, baselineRuns[b]);
  };

  // One job per RL run: train (cached by trainPolicyStage: done.json + policy/), then evaluate. With
  // `parallel`, a run not yet done trains in a child process and this process loads what it saved; two
  // jobs go at a time and the baselines' evaluation takes the core of the first run that finishes, so
  // both cores stay busy while the slower (simulated-search) run trains.
  const trained: SeedResult['runs'] = {};
  const runDone = (spec: RunSpec) => exists(dir, 'rl', spec.name, 'done.json');
  const runJob = (spec: RunSpec) => async () => {
    if (parallel && !runDone(spec)()) {
      if (!quiet) process.stderr.write(`[reproduce] ${path.basename(dir)} · rl:${spec.name} (child process)\n`);
      recordTiming(dir, `rl:${spec.name} (child process)`, await workerProcess({ kind: 'rl', presetName, seed, dir, preset, spec, quiet }, `rl:${spec.name} of ${dir}`));
    }
    const stageOut = await stage(dir, `rl:${spec.name}`, runDone(spec), () => trainRun(presetName, seed, dir, preset, spec, stages, quiet), quiet);
    trained[spec.name] = runSummary(spec, stageOut.metrics, stageOut.config);
    // R1 (trained without search) is also evaluated without it, as in the paper; every other run with BM25.
    const engine = spec.engine === 'none' ? null : bm25;
    await evaluate(spec.name, () => evaluatePolicy(stageOut.policy, base.tokenizer, rows, engine, { ...evalOpts(spec.name), rollout }));
  };
  await mapWithConcurrency([...preset.runs.map(runJob), baselineJob], parallel ? 2 : 1, (job) => job());
  // Tables and figures list methods in a fixed order, whatever order the jobs finished in.
  const evals: SeedResult['evals'] = {};
  for (const method of [...preset.baselines, ...preset.runs.map((r) => r.name)]) evals[method] = found[method];
  const runs: SeedResult['runs'] = Object.fromEntries(preset.runs.map((r) => [r.name, trained[r.name]]));
  const timings = readJson<Timings>(path.join(dir, 'timings.json'));
  return { seed, preset: presetName, evals, runs, timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.seconds])) };
}

/** What the tables and figures need from an RL run. */
function runSummary(spec: RunSpec, metrics: StepMetrics[], config: TrainerConfig): SeedResult['runs'][string] {
  const perStep = config.questionsPerStep * config.rolloutsPerQuestion;
  return {
    engine: spec.engine,
    steps: metrics.map((m) => ({ step: m.step, reward: m.reward, searches: m.searchesPerTrajectory, noiseProbability: m.noiseProbability })),
    searchCalls: Math.round(metrics.reduce((a, m) => a + m.searchesPerTrajectory * perStep, 0)),
    trainSeconds: metrics.reduce((a, m) => a + m.time.total, 0),
    noise: config.noise,
  };
}

/** Every seed, then the tables (mean ± std), figures and summary at the top of `outDir`. */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const base = REPRODUCE_PRESETS[opts.preset];
  if (!base) throw new Error(`reproduce: unknown preset ${JSON.stringify(opts.preset)} (expected ${Object.keys(REPRODUCE_PRESETS).join(', ')})`);
  if (opts.seeds.length === 0 || !opts.seeds.every((s) => Number.isInteger(s))) throw new Error(`reproduce: seeds must be integers, got ${JSON.stringify(opts.seeds)}`);
  const preset: ReproducePreset = { ...base, ...opts.overrides };
  await initBackend();
  const t0 = Date.now();
  const seeds: SeedResult[] = [];
  for (const seed of opts.seeds) seeds.push(await reproduceSeed(opts.preset, seed, path.join(opts.outDir, `seed-${seed}`), preset, { quiet: opts.quiet, parallel: opts.parallel }));
  const tables = buildTables(seeds);
  const tableDir = path.join(opts.outDir, 'tables');
  const tableFiles = Object.entries(tables).flatMap(([name, t]) => (t ? Object.values(writeTable(t, tableDir, name)) : []));
  const figures = await writeFigures(tables, seeds, path.join(opts.outDir, 'figures'), { png: opts.png ?? true, quiet: opts.quiet });
  const summary = path.join(opts.outDir, 'summary.md');
  writeFileAtomic(summary, writeSummary(tables, seeds, { preset: opts.preset, seconds: (Date.now() - t0) / 1000 }));
  return { tables, seeds, files: { tables: tableFiles, figures, summary } };
}

/** Per-step metrics of a finished or running RL run folder (for notebooks). */
export function readRunMetrics(runDir: string): StepMetrics[] {
  return readJsonl<StepMetrics>(path.join(runDir, 'metrics.jsonl'));
}
