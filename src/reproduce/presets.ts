/**
 * What `zerosearch reproduce` runs per preset: the RL runs (each one row of one or more paper tables),
 * the baselines, the evaluation questions and the budgets, on top of the stage presets of the other folders
 * (world, simulator, policy base, RL).
 *
 * Every RL run starts from the same policy base and is evaluated with the same real engine (BM25), as in
 * the paper. `zerosearch` is the main method: the SFT simulator with CURRICULUM, the trainer's default
 * estimator and the loss mask.
 */
import type { PresetName } from '../world/config';
import type { TrainerConfig } from '../rl/trainer';
import type { PolicyBaseConfig } from '../agent/policy-base';
import type { SimulatorPreset } from '../simulator/pipeline';
import { CURRICULUM } from '../rl/curriculum';

/** Which engine an RL run trains with; `simulator-sft-small|large` are the other rungs of the size ladder. */
export type TrainEngine = 'bm25' | 'none' | 'simulator-prompt' | 'simulator-sft' | 'simulator-sft-small' | 'simulator-sft-large';

/** Width of the ladder's simulators relative to the stage preset's (same depth, heads and budgets). */
export const SIMULATOR_WIDTHS: Record<'simulator-sft-small' | 'simulator-sft' | 'simulator-sft-large', number> = {
  'simulator-sft-small': 0.5,
  'simulator-sft': 1,
  'simulator-sft-large': 1.5,
};

export interface RunSpec {
  /** Folder and key, e.g. "zerosearch-grpo". */
  name: string;
  engine: TrainEngine;
  /** Overrides of the preset's RL config. */
  config: Partial<TrainerConfig>;
}

export type BaselineName = 'direct' | 'rag' | 'base';
export type ReproducePresetName = 'tiny' | 'quick' | 'ablations';

export interface ReproducePreset {
  /** The world, policy base, simulator and RL presets the stages are built from. */
  stages: PresetName;
  runs: RunSpec[];
  /** Baselines on the base policy: direct answer, RAG, and the base policy with search (Table 4's "Base Model"). */
  baselines: BaselineName[];
  /** Held-out questions evaluated per set (test first, then dev; see world `heldOutQuestions`). */
  evalPerSet: number;
  /** RL seeds per world seed: every run repeats once per RL seed (the first RL seed is the world seed). */
  rlSeeds: number;
  /** Documents the RAG baseline puts in its prompt (3 ≈ the 90 observation tokens the policy reads). */
  ragTopk: number;
  /** Overrides of the RL preset for every run (steps, batch). */
  rl: Partial<TrainerConfig>;
  /** Overrides of the policy base preset (POLICY_BASE_PRESETS) and of the simulator preset (SIMULATOR_PRESETS). */
  policyBase?: Partial<PolicyBaseConfig>;
  simulator?: Partial<SimulatorPreset>;
  /** Build each simulator's quality report (useful / noisy / well-formed against BM25). */
  simulatorQuality: boolean;
}

const ZEROSEARCH: RunSpec = { name: 'zerosearch', engine: 'simulator-sft', config: { noise: CURRICULUM } };
const SEARCH_R1: RunSpec = { name: 'search-r1', engine: 'bm25', config: { noise: null } };
const R1: RunSpec = { name: 'r1', engine: 'none', config: { noise: null } };
/** Tables 4–7: each run differs from ZEROSEARCH in one thing. */
const ABLATIONS: RunSpec[] = [
  { name: 'zerosearch-prompt', engine: 'simulator-prompt', config: { noise: CURRICULUM } },
  { name: 'zerosearch-sft-small', engine: 'simulator-sft-small', config: { noise: CURRICULUM } },
  { name: 'zerosearch-sft-large', engine: 'simulator-sft-large', config: { noise: CURRICULUM } },
  { name: 'zerosearch-reinforce', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'reinforce' } },
  { name: 'zerosearch-grpo', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'grpo' } },
  { name: 'zerosearch-ppo', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'gae' } },
  { name: 'zerosearch-random', engine: 'simulator-sft', config: { noise: { constant: 0.5 } } },
  { name: 'zerosearch-nomask', engine: 'simulator-sft', config: { noise: CURRICULUM, maskDocuments: false } },
];

/**
 * 40 RL steps on quick: the base is a good reader with habits (POLICY_BASE_PRESETS), and 40 steps of four
 * 16-trajectory updates unlearn them; 60 gave no more. 250 held-out questions per set: the quick world has
 * 145–156 on its smaller sets, which keeps the test-sampling s.e. of the seven-set average under 1.5 points.
 */
const QUICK_BUDGET = { stages: 'quick', evalPerSet: 250, ragTopk: 3, rl: { steps: 40 } } as const;

export const REPRODUCE_PRESETS: Record<ReproducePresetName, ReproducePreset> = {
  /** For tests: every stage once, minimal steps. */
  tiny: {
    stages: 'tiny',
    runs: [SEARCH_R1, ZEROSEARCH],
    baselines: ['direct', 'rag', 'base'],
    evalPerSet: 250,
    rlSeeds: 1,
    ragTopk: 3,
    rl: {},
    simulatorQuality: false,
  },
  /** The README's command: Table 3's comparison, within 15 minutes on 2 cores. */
  quick: { ...QUICK_BUDGET, runs: [SEARCH_R1, ZEROSEARCH], baselines: ['direct', 'rag', 'base'], rlSeeds: 1, simulatorQuality: false },
  /**
   * Tables 3–7 on quick's stages (a quick run in the same folder is reused), every run over three RL seeds
   * so the paired differences of the findings have intervals.
   */
  ablations: { ...QUICK_BUDGET, runs: [SEARCH_R1, ZEROSEARCH, R1, ...ABLATIONS], baselines: ['direct', 'rag', 'base'], rlSeeds: 3, simulatorQuality: true },
};

/** The preset named, or an error listing the names. */
export function reproducePreset(name: string): ReproducePreset {
  const p = REPRODUCE_PRESETS[name as ReproducePresetName];
  if (!p) throw new Error(`reproduce: unknown preset ${JSON.stringify(name)} (expected ${Object.keys(REPRODUCE_PRESETS).join(', ')})`);
  return p;
}
