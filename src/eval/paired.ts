/**
 * Intervals for the seven-set average EM of one method, or of the paired difference between two methods,
 * when each method was trained with several RL seeds and evaluated on the same questions.
 *
 * The statistic is the paper's Avg: mean over sets of the per-set mean, averaged over RL seeds. Its 95%
 * interval comes from a two-level percentile bootstrap: each replicate draws the seeds with replacement
 * (RL noise), and, per set, one resample of the questions with replacement that every drawn seed shares
 * (test-question sampling; sharing it keeps the two methods of a difference paired on the same questions).
 */
import { Rng } from '../util';

/** Per-question values, `values[seed][set][question]`; question q of a set is the same question in every seed. */
export type SeedSetValues = number[][][];

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  /** Bootstrap standard deviation of the statistic (its standard error). */
  se: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

function checkShape(values: SeedSetValues): void {
  if (values.length === 0) throw new Error('bootstrap: no seeds');
  const sizes = values[0].map((set) => set.length);
  if (sizes.length === 0 || sizes.some((n) => n === 0)) throw new Error('bootstrap: every seed needs at least one set, every set at least one question');
  values.forEach((seed, s) => {
    if (seed.length !== sizes.length || seed.some((set, j) => set.length !== sizes[j])) {
      throw new Error(
        `bootstrap: seed ${s} has sets of sizes ${seed.map((x) => x.length).join(',')}, seed 0 has ${sizes.join(',')} (every seed must be evaluated on the same questions)`,
      );
    }
  });
}

/** Mean over seeds of the mean over sets of the per-set question mean. */
export function seedSetMean(values: SeedSetValues): number {
  checkShape(values);
  return mean(values.map((sets) => mean(sets.map(mean))));
}

/** The 95% (or `level`) two-level percentile bootstrap interval of `seedSetMean(values)`. */
export function bootstrapInterval(values: SeedSetValues, opts: { replicates?: number; seed?: number; level?: number } = {}): Interval {
  checkShape(values);
  const { replicates = 2000, seed = 0, level = 0.95 } = opts;
  const rng = new Rng(seed).fork('bootstrap');
  const nSeeds = values.length;
  const sizes = values[0].map((set) => set.length);
  const stats = new Float64Array(replicates);
  const picks = sizes.map((n) => new Int32Array(n));
  for (let b = 0; b < replicates; b++) {
    for (let j = 0; j < sizes.length; j++) for (let q = 0; q < sizes[j]; q++) picks[j][q] = rng.int(sizes[j]);
    let total = 0;
    for (let s = 0; s < nSeeds; s++) {
      const sets = values[rng.int(nSeeds)];
      let perSeed = 0;
      for (let j = 0; j < sizes.length; j++) {
        let sum = 0;
        for (let q = 0; q < sizes[j]; q++) sum += sets[j][picks[j][q]];
        perSeed += sum / sizes[j];
      }
      total += perSeed / sizes.length;
    }
    stats[b] = total / nSeeds;
  }
  stats.sort();
  const at = (p: number) => stats[Math.min(replicates - 1, Math.max(0, Math.round(p * (replicates - 1))))];
  const m = mean(Array.from(stats));
  const se = Math.sqrt(stats.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, replicates - 1));
  return { estimate: seedSetMean(values), low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), se };
}

/** `a − b` question by question (both shaped alike). */
export function pairedDifference(a: SeedSetValues, b: SeedSetValues): SeedSetValues {
  checkShape(a);
  checkShape(b);
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} seeds vs ${b.length}`);
  return a.map((sets, s) =>
    sets.map((qs, j) => {
      if (qs.length !== b[s][j].length) throw new Error(`pairedDifference: seed ${s} set ${j} has ${qs.length} vs ${b[s][j].length} questions`);
      return qs.map((x, q) => x - b[s][j][q]);
    }),
  );
}
