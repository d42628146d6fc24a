/**
 * Curriculum of search-result noise (paper §3.4, Eq. 1; ZeroSearch `generation.py::dynamic_threshold`).
 * The value is the probability that one search call gets *noisy* documents from the simulator
 * (`if random() > p: useful else noisy`), drawn once per search call, shared by all calls in a step.
 *
 *   p_i = p_s + (b^(i/m) − 1) / (b − 1) · (p_e − p_s)
 *
 * Steps are **1-based** as in the code (`global_steps` starts at 1), so step 1 already sits a little
 * above p_s and step ≥ m returns p_e exactly. Step 0 is accepted and gives p_s.
 */

/** p(step, totalSteps): noise probability at a training step. */
export type NoiseSchedule = (step: number, totalSteps: number) => number;

export interface ExponentialCurriculum {
  /** p_s, the initial noise probability. */
  start: number;
  /** p_e, the final noise probability. */
  end: number;
  /** b, the exponential base; 4 in the paper and the code (never overridden there). */
  base?: number;
}

function checkProbability(name: string, p: number): void {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new Error(`${name}: expected a probability in [0, 1], got ${p}`);
  }
}

/** Training progress i/m in [0, 1]; validates step and totalSteps. */
function progressOf(step: number, totalSteps: number): number {
  if (!Number.isFinite(totalSteps) || totalSteps <= 0) throw new Error(`totalSteps: expected a positive number, got ${totalSteps}`);
  if (!Number.isFinite(step) || step < 0) throw new Error(`step: expected a number ≥ 0 (1-based training step), got ${step}`);
  return Math.min(step / totalSteps, 1);
}

/**
 * The noise curriculum of the kit's ZeroSearch runs: p from 0 to 0.25 (exponential, base 4), the paper's setting
 * for Qwen-2.5-3B (App. F). The micro simulator's useful documents already miss the answer about one time in
 * seven, so a milder schedule than the reference README's 0 → 0.5 suits it (docs/experiments.md).
 */
export const CURRICULUM: ExponentialCurriculum = { start: 0, end: 0.25, base: 4 };

/** The paper's schedule, p_i for 1-based `step` out of `totalSteps`; `step >= totalSteps` ⇒ `end`. */
export function noiseProbability(step: number, totalSteps: number, curriculum: ExponentialCurriculum): number {
  const { start, end, base = 4 } = curriculum;
  checkProbability('start', start);
  checkProbability('end', end);
  if (!Number.isFinite(base) || base <= 0 || base === 1) throw new Error(`base: expected a positive number other than 1, got ${base}`);
  const progress = progressOf(step, totalSteps);
  if (step >= totalSteps) return end;
  const expValue = (Math.pow(base, progress) - 1) / (base - 1);
  return start + expValue * (end - start);
}

/** The paper's curriculum as a NoiseSchedule. */
export function exponentialSchedule(curriculum: ExponentialCurriculum): NoiseSchedule {
  noiseProbability(0, 1, curriculum); // validate once, up front
  return (step, totalSteps) => noiseProbability(step, totalSteps, curriculum);
}

/** A fixed noise probability: the paper's "Random" ablation is `constantSchedule(0.5)` (Table 6). */
export function constantSchedule(p: number): NoiseSchedule {
  checkProbability('p', p);
  return (step, totalSteps) => {
    progressOf(step, totalSteps);
    return p;
  };
}

/** Straight line from `start` to `end` over training (the b → 1 limit of the exponential schedule). */
export function linearSchedule(curriculum: { start: number; end: number }): NoiseSchedule {
  checkProbability('start', curriculum.start);
  checkProbability('end', curriculum.end);
  return (step, totalSteps) => curriculum.start + progressOf(step, totalSteps) * (curriculum.end - curriculum.start);
}

/**
 * Piecewise-constant noise: `values[k]` applies once training progress (step / totalSteps) reaches
 * `boundaries[k-1]`; so `values.length === boundaries.length + 1`, boundaries strictly increasing in (0, 1).
 * Fractions rather than step numbers keep one schedule valid for any run length.
 * Example: `stepSchedule({boundaries: [0.5], values: [0, 0.5]})` = clean first half, p = 0.5 after.
 */
export function stepSchedule(spec: { boundaries: number[]; values: number[] }): NoiseSchedule {
  const { boundaries, values } = spec;
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new Error(`stepSchedule: expected values.length = boundaries.length + 1, got ${values?.length} values and ${boundaries?.length} boundaries`);
  }
  boundaries.forEach((b, k) => {
    if (!(b > 0 && b < 1) || (k > 0 && b <= boundaries[k - 1])) {
      throw new Error(`stepSchedule: boundaries must be strictly increasing fractions in (0, 1); boundaries[${k}] = ${b}`);
    }
  });
  values.forEach((v, k) => checkProbability(`values[${k}]`, v));
  return (step, totalSteps) => {
    const progress = progressOf(step, totalSteps);
    let k = 0;
    while (k < boundaries.length && progress >= boundaries[k]) k++;
    return values[k];
  };
}
