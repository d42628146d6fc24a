/**
 * The stages of a reproduction's seed folder, each cached on disk so a rerun continues where a run stopped:
 *
 *   world → simulator (knowledge + SFT) ∥ policy base → the ladder's other simulators → RL runs (one per RL seed)
 *
 * `reproduce`, its child processes (./stage-worker.ts) and `zerosearch train` all build through these
 * functions, so a stage built by one is reused by the others.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import type { Transformer } from '../model/transformer';
import type { SearchEngine } from '../search/types';
import { readJson, writeJsonAtomic } from '../util';
import { exportWorld, generateWorld, loadWorld, World } from '../world';
import { buildPolicyBase } from '../agent/policy-base';
import type { PolicyBase } from '../agent/policy-base';
import { buildSimulator } from '../simulator/pipeline';
import type { SimulatorBuild, SimulatorPreset } from '../simulator/pipeline';
import { trainingSimulator, trainPolicyStage, trainQuestions } from '../rl/pipeline';
import { worldEngine } from '../search/bm25';
import type { PolicyStage } from '../rl/pipeline';
import type { TrainerConfig } from '../rl/trainer';
import { RunSpec, SIMULATOR_WIDTHS, TrainEngine } from './presets';
import { RunConfig, runTrainerConfig } from './run-config';

/** What a child process of `reproduce` is asked to do (./stage-worker.ts). */
export type WorkerArgs =
  | { kind: 'simulator'; worldDir: string; preset: SimulatorPreset; seed: number; outDir: string; skipQuality: boolean }
  | { kind: 'rl'; seed: number; rlSeed: number; dir: string; run: RunConfig; spec: RunSpec; quiet?: boolean };

type Timings = Record<string, { seconds: number; at: string }>;

export function recordTiming(dir: string, name: string, seconds: number): void {
  const file = path.join(dir, 'timings.json');
  const timings: Timings = fs.existsSync(file) ? readJson<Timings>(file) : {};
  timings[name] = { seconds, at: new Date().toISOString() };
  writeJsonAtomic(file, timings);
}

export function readTimings(dir: string): Record<string, number> {
  const file = path.join(dir, 'timings.json');
  return fs.existsSync(file) ? Object.fromEntries(Object.entries(readJson<Timings>(file)).map(([k, v]) => [k, v.seconds])) : {};
}

/** Runs `fn` and records its wall time under `name`, unless `done()` says the stage's output already exists. */
export async function stage<T>(dir: string, name: string, done: () => boolean, fn: () => Promise<T>, quiet?: boolean): Promise<T> {
  const cached = done();
  if (!quiet) process.stderr.write(`[reproduce] ${path.basename(dir)} · ${name}${cached ? ' (cached)' : ''}\n`);
  const t0 = Date.now();
  const out = await fn();
  if (!cached) recordTiming(dir, name, (Date.now() - t0) / 1000);
  return out;
}

export const exists =
  (...parts: string[]) =>
  () =>
    fs.existsSync(path.join(...parts));

/** Run ./stage-worker.ts in a child process with `args` (its progress goes to our stderr); resolves with its wall seconds. */
export function workerProcess(args: WorkerArgs, what: string): Promise<number> {
  const t0 = Date.now();
  const worker = path.join(__dirname, 'stage-worker.ts');
  // The IPC channel is how the child notices this process is gone, however it ends (exit, SIGTERM, SIGKILL):
  // the channel closes and the child stops (see stage-worker.ts).
  const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: process.env });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve((Date.now() - t0) / 1000) : reject(new Error(`${what}: child process exited with ${signal ?? code}`)),
    );
  });
}

type LadderEngine = keyof typeof SIMULATOR_WIDTHS;
const isLadder = (e: TrainEngine): e is LadderEngine => e in SIMULATOR_WIDTHS;

/** The run's simulator with its width scaled (heads kept; widths rounded to a multiple of 8). */
export function simulatorPreset(run: RunConfig, engine: LadderEngine): SimulatorPreset {
  const p = run.simulator;
  const factor = SIMULATOR_WIDTHS[engine];
  if (factor === 1) return p;
  const round8 = (x: number) => Math.max(8, Math.round(x / 8) * 8);
  const hidden = p.model.hiddenSize ?? 64;
  return { ...p, model: { ...p.model, hiddenSize: round8(hidden * factor), intermediateSize: round8((p.model.intermediateSize ?? 4 * hidden) * factor) } };
}

/** Folder of a ladder simulator inside a seed folder. */
export const simulatorDir = (dir: string, engine: LadderEngine) =>
  path.join(dir, engine === 'simulator-sft' ? 'simulator' : engine.replace('simulator-sft-', 'simulator-'));

/** What every RL run of a seed starts from. */
export interface SeedStages {
  world: World;
  bm25: SearchEngine;
  base: PolicyBase;
  sim: SimulatorBuild;
}

/**
 * World → simulator ∥ policy base, each cached in `dir`. With `parallel`, the simulator trains in a child
 * process while this one builds the policy base; afterwards buildSimulator only loads its stages.
 */
export async function seedStages(run: RunConfig, seed: number, dir: string, opts: { quiet?: boolean; parallel?: boolean }): Promise<SeedStages> {
  const { quiet, parallel = true } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const worldDir = path.join(dir, 'world');
  const world = await stage(
    dir,
    'world',
    exists(worldDir, 'world.json'),
    async () => {
      if (fs.existsSync(path.join(worldDir, 'world.json'))) return loadWorld(worldDir);
      const w = generateWorld(run.world, seed);
      exportWorld(w, worldDir);
      return w;
    },
    quiet,
  );
  const simDir = simulatorDir(dir, 'simulator-sft');
  const simDone = exists(simDir, 'sft', 'config.json');
  const simPreset = simulatorPreset(run, 'simulator-sft');
  const simChild =
    !simDone() && parallel
      ? workerProcess({ kind: 'simulator', worldDir, preset: simPreset, seed, outDir: simDir, skipQuality: true }, `simulator of ${dir}`)
      : null;
  const baseDir = path.join(dir, 'policy-base');
  const base = await stage(
    dir,
    'policy-base',
    exists(baseDir, 'policy-base.json'),
    () => buildPolicyBase(world, { preset: run.stages, seed, outDir: baseDir, config: run.policyBase }),
    quiet,
  );
  const sim = await stage(
    dir,
    simChild ? 'simulator (after the policy base)' : 'simulator',
    simDone,
    async () => {
      if (simChild) recordTiming(dir, 'simulator (child process)', await simChild);
      return buildSimulator(world, simPreset, { seed, outDir: simDir, skipQuality: true });
    },
    quiet,
  );
  return { world, bm25: worldEngine(world), base, sim };
}

/** A ladder simulator of the seed folder: built (or loaded) with its quality report when `quality`. */
export function ladderSimulator(s: SeedStages, run: RunConfig, seed: number, dir: string, engine: LadderEngine, quality = false): Promise<SimulatorBuild> {
  if (engine === 'simulator-sft' && !quality) return Promise.resolve(s.sim);
  return buildSimulator(s.world, simulatorPreset(run, engine), { seed, outDir: simulatorDir(dir, engine), skipQuality: !quality });
}

/** The engine an RL run trains with (../rl/pipeline `trainingSimulator` for the simulators), seeded by the RL seed. */
async function trainingEngine(
  s: SeedStages,
  run: RunConfig,
  seed: number,
  dir: string,
  engine: TrainEngine,
  rlSeed: number,
  rollout: TrainerConfig['rollout'],
): Promise<SearchEngine | null> {
  const simulated = (model: Transformer, build: SimulatorBuild, promptStyle: 'sft' | 'prompt') =>
    trainingSimulator(model, build.tokenizer, rollout, { seed: rlSeed, promptStyle });
  if (engine === 'bm25') return s.bm25;
  if (engine === 'none') return null;
  if (engine === 'simulator-prompt') return simulated(s.sim.base, s.sim, 'prompt');
  if (isLadder(engine)) {
    const build = await ladderSimulator(s, run, seed, dir, engine);
    return simulated(build.sft, build, 'sft');
  }
  throw new Error(`reproduce: unknown training engine ${JSON.stringify(engine)}`);
}

/** Whether a run folder holds a finished run: its marker and its policy. */
export const runFinished = (runDir: string) => fs.existsSync(path.join(runDir, 'done.json')) && fs.existsSync(path.join(runDir, 'policy', 'config.json'));

/** Folder name of a run for an RL seed: the run's own name for the first RL seed (the world seed), so quick's runs are ablations' too. */
export const runKey = (spec: RunSpec, seed: number, rlSeed: number) => (rlSeed === seed ? spec.name : `${spec.name}.rl-seed-${rlSeed}`);

/** One RL run of a seed folder whose earlier stages are built (the child-process entry calls this). */
export async function trainRun(
  run: RunConfig,
  seed: number,
  rlSeed: number,
  dir: string,
  spec: RunSpec,
  stages?: SeedStages,
  quiet?: boolean,
): Promise<PolicyStage> {
  const s = stages ?? (await seedStages(run, seed, dir, { quiet: true, parallel: false }));
  const config = runTrainerConfig(run, spec, rlSeed);
  const outDir = path.join(dir, 'rl', runKey(spec, seed, rlSeed));
  // A committed run folder keeps its metrics but not its policy (too big for git): train it again.
  if (fs.existsSync(path.join(outDir, 'done.json')) && !fs.existsSync(path.join(outDir, 'policy', 'config.json'))) fs.rmSync(outDir, { recursive: true });
  return trainPolicyStage({
    base: s.base.model,
    tokenizer: s.base.tokenizer,
    questions: trainQuestions(s.world),
    engine: await trainingEngine(s, run, seed, dir, spec.engine, rlSeed, config.rollout),
    config,
    outDir,
    quiet,
  });
}

/**
 * Copies what a run folder `from` holds (a quick run's world, policy base, simulator, RL runs and
 * evaluations) into `to` wherever `to` lacks it. Each stage's own cache check (configs, question sets)
 * then decides whether the copy is used or rebuilt.
 */
export function reuseStages(from: string, to: string, seeds: readonly number[]): string[] {
  const copied: string[] = [];
  for (const seed of seeds) {
    const src = path.join(from, `seed-${seed}`);
    if (!fs.existsSync(src) || path.resolve(src) === path.resolve(to, `seed-${seed}`)) continue;
    const copyMissing = (rel: string) => {
      const a = path.join(src, rel);
      const b = path.join(to, `seed-${seed}`, rel);
      if (!fs.existsSync(a) || fs.existsSync(b)) return;
      fs.cpSync(a, b, { recursive: true });
      copied.push(b);
    };
    for (const rel of ['world', 'policy-base', 'simulator', 'timings.json']) copyMissing(rel);
    for (const group of ['rl', 'eval']) {
      const groupDir = path.join(src, group);
      if (fs.existsSync(groupDir)) for (const name of fs.readdirSync(groupDir)) copyMissing(path.join(group, name));
    }
  }
  return copied;
}
