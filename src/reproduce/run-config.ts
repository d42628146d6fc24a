/**
 * One run's whole configuration, resolved once: a reproduce preset (./presets) names the stage presets of the
 * other folders and its own overrides; `resolveRunConfig` merges them, applies `--set path=value` edits and checks
 * the couplings between stages. `reproduce`, `zerosearch train`, `zerosearch config` and the notebooks build
 * from the result, and every run writes it beside its results (run-config.json).
 */
import { resolveWorldConfig } from '../world/config';
import type { PresetName, WorldConfig } from '../world/config';
import { SIMULATOR_PRESETS } from '../simulator/pipeline';
import type { SimulatorPreset } from '../simulator/pipeline';
import { POLICY_BASE_PRESETS } from '../agent/policy-base';
import type { PolicyBaseConfig } from '../agent/policy-base';
import { rlConfig } from '../rl/pipeline';
import { checkTrainerConfig, resolveTrainerConfig } from '../rl/trainer';
import type { TrainerConfig } from '../rl/trainer';
import { BaselineName, ReproducePreset, reproducePreset, RunSpec } from './presets';

export interface RunConfig {
  /** The reproduce preset it was resolved from. */
  preset: string;
  /** Size class of the stages (the world, simulator, policy base and RL presets of that name). */
  stages: PresetName;
  world: WorldConfig;
  simulator: SimulatorPreset;
  policyBase: PolicyBaseConfig;
  /** Every RL run's config before its own overrides (RunSpec.config) and its RL seed. */
  rl: TrainerConfig;
  runs: RunSpec[];
  baselines: BaselineName[];
  /** Held-out questions evaluated per set. */
  evalPerSet: number;
  /** RL seeds per world seed. */
  rlSeeds: number;
  /** Documents in the RAG baseline's prompt. */
  ragTopk: number;
  /** Build each simulator's quality report. */
  simulatorQuality: boolean;
}

/** Resolve preset `name` (with `overrides` of its fields, then `sets` such as "rl.lr=3e-4") and check it. */
export function resolveRunConfig(name: string, overrides: Partial<ReproducePreset> = {}, sets: readonly string[] = []): RunConfig {
  const p: ReproducePreset = { ...reproducePreset(name), ...overrides };
  let run: RunConfig = {
    preset: name,
    stages: p.stages,
    world: resolveWorldConfig(p.stages),
    simulator: { ...SIMULATOR_PRESETS[p.stages], ...p.simulator },
    policyBase: { ...POLICY_BASE_PRESETS[p.stages], ...p.policyBase },
    rl: rlConfig(p.stages, p.rl),
    runs: p.runs,
    baselines: p.baselines,
    evalPerSet: p.evalPerSet,
    rlSeeds: p.rlSeeds,
    ragTopk: p.ragTopk,
    simulatorQuality: p.simulatorQuality,
  };
  for (const s of sets) run = applySet(run, s);
  checkRunConfig(run);
  return run;
}

/** The RL config of one run of `run` with RL seed `rlSeed`. */
export function runTrainerConfig(run: RunConfig, spec: RunSpec, rlSeed: number): TrainerConfig {
  return resolveTrainerConfig(run.rl, spec.config, { seed: rlSeed });
}

/**
 * `path=value` applied to a copy of `run`: the path must name an existing field (e.g. rl.rollout.maxTurns,
 * policyBase.steps, simulator.sft.steps, evalPerSet), and the value (JSON, or a bare string) must have its type.
 */
export function applySet(run: RunConfig, assignment: string): RunConfig {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${assignment}: expected path=value, e.g. rl.lr=3e-4`);
  const keys = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  const copy = structuredClone(run) as unknown as Record<string, unknown>;
  let node = copy;
  keys.forEach((key, i) => {
    if (node === null || typeof node !== 'object' || !(key in node)) {
      throw new Error(
        `--set ${assignment}: no field "${keys.slice(0, i + 1).join('.')}" (fields here: ${node && typeof node === 'object' ? Object.keys(node).join(', ') : 'none'})`,
      );
    }
    if (i < keys.length - 1) {
      node = node[key] as Record<string, unknown>;
      return;
    }
    const old = node[key];
    if (old !== null && value !== null && (typeof old !== typeof value || Array.isArray(old) !== Array.isArray(value))) {
      throw new Error(`--set ${assignment}: ${keys.join('.')} is ${Array.isArray(old) ? 'an array' : `a ${typeof old}`}, got ${JSON.stringify(value)}`);
    }
    node[key] = value;
  });
  return copy as unknown as RunConfig;
}

/** Throws naming the first field that is wrong on its own or does not fit another stage. */
export function checkRunConfig(run: RunConfig): void {
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`run config (${run.preset}): ${what}`);
  };
  resolveWorldConfig({ ...run.world, preset: run.stages });
  checkTrainerConfig(run.rl);
  const { rollout } = run.rl;
  // The policy base is pretrained on observations cut to maxObsTokens with topk documents: RL must show the same.
  need(
    run.policyBase.maxObsTokens === rollout.maxObsTokens,
    `policyBase.maxObsTokens (${run.policyBase.maxObsTokens}) must equal rl.rollout.maxObsTokens (${rollout.maxObsTokens}): the base was pretrained on observations of that length`,
  );
  need(run.policyBase.topk === rollout.topk, `policyBase.topk (${run.policyBase.topk}) must equal rl.rollout.topk (${rollout.topk})`);
  need(
    run.simulator.topk === rollout.topk,
    `simulator.topk (${run.simulator.topk}) must equal rl.rollout.topk (${rollout.topk}): the simulator writes that many documents`,
  );
  const positions = run.policyBase.model.maxPositions;
  need(
    positions === undefined || (rollout.maxContextTokens ?? 0) <= positions,
    `rl.rollout.maxContextTokens (${rollout.maxContextTokens}) exceeds the policy's positions (${positions})`,
  );
  for (const k of ['evalPerSet', 'rlSeeds', 'ragTopk'] as const)
    need(Number.isInteger(run[k]) && run[k] >= 1, `${k} must be a positive integer, got ${JSON.stringify(run[k])}`);
  const names = run.runs.map((r) => r.name);
  need(new Set(names).size === names.length, `run names must be distinct, got ${names.join(', ')}`);
  for (const spec of run.runs) {
    try {
      checkTrainerConfig(runTrainerConfig(run, spec, 0));
    } catch (err) {
      throw new Error(`run config (${run.preset}): run ${spec.name}: ${(err as Error).message}`);
    }
  }
}
