/**
 * `zerosearch reproduce`: the whole micro-world reproduction behind one call, per world seed
 *
 *   stages (./stages.ts) → RL runs × RL seeds → evaluation (real engine) → tables → figures → summary.md
 *
 * Layout of `outDir`:
 *   seed-<s>/world/  policy-base/  simulator[-small|-large]/   the stages (see ./stages.ts)
 *   seed-<s>/rl/<run>[.rl-seed-<r>]/    trainPolicyStage (metrics.jsonl, checkpoints, policy/)
 *   seed-<s>/eval/<method>[.rl-seed-<r>]/  predictions.jsonl (per row, with trajectories) + report.json
 *   seed-<s>/timings.json         wall time of each stage when it ran
 *   tables/*.json|csv             mean ± std over world seeds × RL seeds
 *   figures/*.png|html            ours vs the paper, training curves, the simulator ladder, curriculum, cost
 *   findings.json, summary.md     each of the paper's findings as a paired difference with its interval
 *   run-config.json               the resolved configuration of the whole run (./run-config.ts)
 *
 * Caching: every stage checks for its finished output and is skipped when present; training resumes from
 * its checkpoints and evaluation from its predictions file, so killing and rerunning the command continues.
 */
import * as fs from 'fs';
import * as path from 'path';
import { hashString, mapWithConcurrency, readJson, readJsonl, writeFileAtomic, writeJsonAtomic } from '../util';
import { initBackend } from '../tensor';
import { writeTable } from '../report/paper-tables';
import { heldOutQuestions } from '../world';
import type { World } from '../world';
import type { StepMetrics, TrainerConfig } from '../rl/trainer';
import { evaluatePolicy, EvalRecord, EvalReport, EvalRow } from '../eval/evaluate';
import { directPrompt, ragPrompts } from '../eval/baselines';
import { BaselineName, ReproducePreset, RunSpec, SIMULATOR_WIDTHS } from './presets';
import { resolveRunConfig, RunConfig } from './run-config';
import {
  exists,
  ladderSimulator,
  runFinished,
  readTimings,
  recordTiming,
  reuseStages,
  runKey,
  seedStages,
  simulatorDir,
  simulatorPreset,
  stage,
  trainRun,
  workerProcess,
} from './stages';
import { buildTables, LadderRung, ReproduceTables, SeedResult } from './tables';
import { writeFigures } from './figures';
import { findings, Finding } from './findings';
import { writeSummary } from './summary';

export interface ReproduceOptions {
  /** A REPRODUCE_PRESETS name: tiny, quick or ablations. */
  preset: string;
  /** World seeds. */
  seeds: number[];
  /** RL seeds of every world seed (default: the preset's count, starting at the world seed). */
  rlSeeds?: number[];
  outDir: string;
  /** A run folder whose stages (world, policy base, simulator, RL runs, evaluations) are copied where `outDir` lacks them. */
  reuse?: string;
  /** Override parts of the reproduce preset (tests use this to cut steps). */
  overrides?: Partial<ReproducePreset>;
  /** Edits of the resolved run config, `path=value` (see run-config.ts `applySet`). */
  set?: string[];
  /** Export PNGs through Chromium (default true; HTML is always written). */
  png?: boolean;
  quiet?: boolean;
  /** Build simulators beside the policy base, and RL runs two at a time, in child processes (default true; 2 cores). */
  parallel?: boolean;
}

export interface ReproduceResult {
  tables: ReproduceTables;
  seeds: SeedResult[];
  findings: Finding[];
  files: { tables: string[]; figures: string[]; summary: string };
}

/** Evaluation rows: up to `perSet` held-out questions of every micro set (world `heldOutQuestions`), in set order. */
export function evalRows(world: World, perSet: number): EvalRow[] {
  return heldOutQuestions(world, perSet).map((q) => ({ id: q.id, question: q.question, golden_answers: q.golden_answers, data_source: q.data_source }));
}

/** Identifies a question list, so an evaluation cached for other questions is redone. */
const rowsKey = (rows: readonly EvalRow[]) => `${rows.length}:${hashString(rows.map((r) => `${r.id}\u0000${r.question}`).join('\n')).toString(16)}`;

/** EM of every question, per set in row order (what the paired intervals resample). */
function emBySet(rows: readonly EvalRow[], records: readonly EvalRecord[]): Record<string, number[]> {
  const byId = new Map(records.map((r) => [`${r.data_source}\u0000${r.id}`, r.em]));
  const out: Record<string, number[]> = {};
  for (const r of rows) {
    const em = byId.get(`${r.data_source}\u0000${r.id}`);
    if (em === undefined) throw new Error(`reproduce: no prediction for ${r.id} (${r.data_source})`);
    (out[r.data_source] ??= []).push(em);
  }
  return out;
}

export type Evaluated = { summary: Omit<EvalReport, 'records'>; perQuestion: Record<string, number[]> };

/**
 * The evaluation of `method` in `dir/eval/<method>/` (report.json + predictions.jsonl), run when missing or made
 * for other questions; `run` gets the predictions file to append to (evaluatePolicy resumes from it).
 */
export function cachedEvaluation(
  dir: string,
  method: string,
  rows: readonly EvalRow[],
  run: (predictionsFile: string) => Promise<EvalReport>,
  quiet?: boolean,
): Promise<Evaluated> {
  const key = rowsKey(rows);
  const evalDir = path.join(dir, 'eval', method);
  const reportFile = path.join(evalDir, 'report.json');
  const predictions = path.join(evalDir, 'predictions.jsonl');
  const cached = () => fs.existsSync(reportFile) && fs.existsSync(predictions) && readJson<{ rowsKey?: string }>(reportFile).rowsKey === key;
  return stage(
    dir,
    `eval:${method}`,
    cached,
    async () => {
      if (cached()) return { summary: readJson<Omit<EvalReport, 'records'>>(reportFile), perQuestion: emBySet(rows, readJsonl<EvalRecord>(predictions)) };
      if (fs.existsSync(evalDir)) fs.rmSync(evalDir, { recursive: true });
      fs.mkdirSync(evalDir, { recursive: true });
      const { records, ...summary } = await run(predictions);
      writeJsonAtomic(reportFile, { ...summary, rowsKey: key });
      return { summary, perQuestion: emBySet(rows, records) };
    },
    quiet,
  );
}

/** Every RL seed's results of one world seed. */
export async function reproduceSeed(
  run: RunConfig,
  seed: number,
  rlSeeds: readonly number[],
  dir: string,
  opts: { quiet?: boolean; parallel?: boolean } = {},
): Promise<SeedResult[]> {
  const { quiet, parallel = true } = opts;
  const stages = await seedStages(run, seed, dir, opts);
  const { world, bm25, base } = stages;
  const rows = evalRows(world, run.evalPerSet);
  const rollout = run.rl.rollout;

  // Evaluation: every policy with the real engine, greedy; cached per method while the questions are the same.
  const evaluate = (method: string, run: (predictionsFile: string) => Promise<EvalReport>) => cachedEvaluation(dir, method, rows, run, quiet);
  const evalOpts = (method: string, predictionsFile: string) => ({ predictionsFile, label: `eval ${method}`, quiet });
  const baselineRuns: Record<BaselineName, (file: string) => Promise<EvalReport>> = {
    direct: (f) =>
      evaluatePolicy(base.model, base.tokenizer, rows, null, { ...evalOpts('direct', f), rollout: { ...rollout, maxTurns: 0, prompt: directPrompt } }),
    rag: async (f) =>
      evaluatePolicy(base.model, base.tokenizer, rows, null, {
        ...evalOpts('rag', f),
        rollout: { ...rollout, maxTurns: 0, prompt: await ragPrompts(rows, bm25, run.ragTopk) },
      }),
    base: (f) => evaluatePolicy(base.model, base.tokenizer, rows, bm25, { ...evalOpts('base', f), rollout }),
  };
  const baselines: Record<string, Evaluated> = {};
  const baselineJob = async () => {
    for (const b of run.baselines) baselines[b] = await evaluate(b, baselineRuns[b]);
  };

  // Simulators of the ladder other than the main one: built once, in a child process, before a run needs them.
  const ladderBuilds = new Map<string, Promise<unknown>>();
  const ladderBuild = (engine: keyof typeof SIMULATOR_WIDTHS, quality: boolean) => {
    const id = `${engine}${quality ? ' quality' : ''}`;
    const outDir = simulatorDir(dir, engine);
    const done = exists(outDir, quality ? 'simulator.json' : path.join('sft', 'config.json'));
    if (!ladderBuilds.has(id)) {
      ladderBuilds.set(
        id,
        stage(
          dir,
          `simulator:${id}`,
          done,
          async () => {
            if (!done() && parallel)
              await workerProcess(
                { kind: 'simulator', worldDir: path.join(dir, 'world'), preset: simulatorPreset(run, engine), seed, outDir, skipQuality: !quality },
                `${id} of ${dir}`,
              );
            return ladderSimulator(stages, run, seed, dir, engine, quality);
          },
          quiet,
        ),
      );
    }
    return ladderBuilds.get(id)!;
  };
  const ladderEngines = (Object.keys(SIMULATOR_WIDTHS) as Array<keyof typeof SIMULATOR_WIDTHS>).filter((e) => run.runs.some((r) => r.engine === e));
  const buildJobs = ladderEngines
    .filter((e) => e !== 'simulator-sft')
    .sort((a, b) => SIMULATOR_WIDTHS[b] - SIMULATOR_WIDTHS[a])
    .map((e) => () => ladderBuild(e, false));
  const qualityJobs = run.simulatorQuality ? ladderEngines.map((e) => () => ladderBuild(e, true)) : [];

  // One job per RL run and RL seed: train (cached by trainPolicyStage: done.json + policy/), then evaluate. With
  // `parallel`, a run not yet done trains in a child process and this process loads what it saved; two jobs go
  // at a time, so both cores stay busy while the slower (simulated-search) runs train.
  const trained = new Map<string, { run: SeedResult['runs'][string]; evaluated: Evaluated }>();
  const runJob = (spec: RunSpec, rlSeed: number) => async () => {
    const name = runKey(spec, seed, rlSeed);
    const runDone = () => runFinished(path.join(dir, 'rl', name));
    if (spec.engine in SIMULATOR_WIDTHS && spec.engine !== 'simulator-sft') await ladderBuild(spec.engine as keyof typeof SIMULATOR_WIDTHS, false);
    if (parallel && !runDone()) {
      if (!quiet) process.stderr.write(`[reproduce] ${path.basename(dir)} · rl:${name} (child process)\n`);
      recordTiming(dir, `rl:${name} (child process)`, await workerProcess({ kind: 'rl', seed, rlSeed, dir, run, spec, quiet }, `rl:${name} of ${dir}`));
    }
    const out = await stage(dir, `rl:${name}`, runDone, () => trainRun(run, seed, rlSeed, dir, spec, stages, quiet), quiet);
    // R1 (trained without search) is also evaluated without it, as in the paper; every other run with BM25.
    const engine = spec.engine === 'none' ? null : bm25;
    const evaluated = await evaluate(name, (f) => evaluatePolicy(out.policy, base.tokenizer, rows, engine, { ...evalOpts(name, f), rollout }));
    trained.set(name, { run: runSummary(spec, out.metrics, out.config), evaluated });
  };
  const runJobs = rlSeeds.flatMap((r) => run.runs.map((spec) => runJob(spec, r)));
  // Longest first: the big simulator's build, then runs that need no other simulator, then the rest.
  const needsLadder = (i: number) => run.runs[i % run.runs.length].engine.startsWith('simulator-sft-');
  const ordered = [...runJobs.filter((_, i) => !needsLadder(i)), ...runJobs.filter((_, i) => needsLadder(i))];
  await mapWithConcurrency<() => Promise<unknown>, unknown>([...buildJobs, ...ordered, ...qualityJobs, baselineJob], parallel ? 2 : 1, (job) => job());

  const ladder: LadderRung[] = [];
  for (const engine of ladderEngines) {
    const build = await ladderSimulator(stages, run, seed, dir, engine, run.simulatorQuality);
    let params = 0;
    for (const v of build.sft.params.values()) params += v.size;
    const rate = (name: string) => build.quality?.rows.find((r) => r.engine === name);
    ladder.push({
      engine,
      hiddenSize: build.sft.config.hiddenSize,
      params,
      useful: rate('SFT useful')?.answerRate ?? null,
      noisy: rate('SFT noisy')?.answerRate ?? null,
      wellFormed: rate('SFT useful')?.wellFormedRate ?? null,
      promptUseful: rate('Prompt-only useful')?.answerRate ?? null,
    });
  }
  // Tables and figures list methods in a fixed order, whatever order the jobs finished in.
  const timings = readTimings(dir);
  return rlSeeds.map((rlSeed) => {
    const evals: SeedResult['evals'] = {};
    const perQuestion: SeedResult['perQuestion'] = {};
    const runs: SeedResult['runs'] = {};
    for (const b of run.baselines) [evals[b], perQuestion[b]] = [baselines[b].summary, baselines[b].perQuestion];
    for (const spec of run.runs) {
      const t = trained.get(runKey(spec, seed, rlSeed))!;
      [evals[spec.name], perQuestion[spec.name], runs[spec.name]] = [t.evaluated.summary, t.evaluated.perQuestion, t.run];
    }
    return { seed, rlSeed, preset: run.stages, evals, perQuestion, runs, ladder, timings };
  });
}

/** What the tables and figures need from an RL run. */
function runSummary(spec: RunSpec, metrics: StepMetrics[], config: TrainerConfig): SeedResult['runs'][string] {
  const perStep = config.questionsPerStep * config.rolloutsPerQuestion;
  return {
    engine: spec.engine,
    steps: metrics.map((m) => ({ step: m.step, reward: m.reward, searches: m.searchesPerTrajectory, noiseProbability: m.noiseProbability })),
    searchCalls: Math.round(metrics.reduce((a, m) => a + m.searchesPerTrajectory * perStep, 0)),
    trainSeconds: metrics.reduce((a, m) => a + m.time.total, 0),
    stepSeconds: ['rollout', 'prepare', 'update'].map((k) => metrics.reduce((a, m) => a + m.time[k as 'rollout'], 0) / Math.max(1, metrics.length)) as [
      number,
      number,
      number,
    ],
    noise: config.noise,
  };
}

/** The RL seeds of a world seed: `count` of them, the first being the world seed itself. */
export const defaultRlSeeds = (seed: number, count: number) => Array.from({ length: count }, (_, i) => seed + i);

/** Every seed, then the tables (mean ± std), findings, figures and summary at the top of `outDir`. */
export async function reproduce(opts: ReproduceOptions): Promise<ReproduceResult> {
  const run = resolveRunConfig(opts.preset, opts.overrides, opts.set);
  const ints = (xs: number[] | undefined, what: string) => {
    if (xs && (xs.length === 0 || !xs.every((s) => Number.isInteger(s)) || new Set(xs).size !== xs.length))
      throw new Error(`reproduce: ${what} must be distinct integers, got ${JSON.stringify(xs)}`);
  };
  ints(opts.seeds, 'seeds');
  ints(opts.rlSeeds, 'RL seeds');
  await initBackend();
  const t0 = Date.now();
  fs.mkdirSync(opts.outDir, { recursive: true });
  writeJsonAtomic(path.join(opts.outDir, 'run-config.json'), run);
  if (opts.reuse) {
    const copied = reuseStages(opts.reuse, opts.outDir, opts.seeds);
    if (!opts.quiet && copied.length) process.stderr.write(`[reproduce] reused ${copied.length} stages of ${opts.reuse}\n`);
  }
  const seeds: SeedResult[] = [];
  for (const seed of opts.seeds) {
    const rlSeeds = opts.rlSeeds ?? defaultRlSeeds(seed, run.rlSeeds);
    seeds.push(...(await reproduceSeed(run, seed, rlSeeds, path.join(opts.outDir, `seed-${seed}`), { quiet: opts.quiet, parallel: opts.parallel })));
  }
  const tables = buildTables(seeds);
  const tableDir = path.join(opts.outDir, 'tables');
  const tableFiles = Object.entries(tables).flatMap(([name, t]) => (t ? Object.values(writeTable(t, tableDir, name)) : []));
  const found = findings(seeds);
  writeJsonAtomic(path.join(opts.outDir, 'findings.json'), found);
  const figures = await writeFigures(tables, seeds, path.join(opts.outDir, 'figures'), { png: opts.png ?? true, quiet: opts.quiet });
  const summary = path.join(opts.outDir, 'summary.md');
  writeFileAtomic(summary, writeSummary(tables, seeds, found, { preset: opts.preset, seconds: (Date.now() - t0) / 1000 }));
  return { tables, seeds, findings: found, files: { tables: tableFiles, figures, summary } };
}
