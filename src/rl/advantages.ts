/**
 * Advantage estimators (ZeroSearch `verl/trainer/ppo/core_algos.py`, spec §8.2), on plain arrays:
 * one outcome reward per trajectory, a trajectory × token mask with 1 on policy-generated tokens and
 * 0 on prompt/environment/padding tokens. Output advantages are 0 wherever the mask is 0.
 *
 * - `reinforce` (the paper's default): A = R on every policy token. No baseline, no normalisation.
 * - `grpo`: A = (R − mean_g) / (std_g + 1e-6) within each group (unbiased std, like `torch.std`);
 *   a group of one gets mean 0, std 1, as in the code. Group = prompt uid (5 rollouts per prompt).
 * - `rloo`: A = R − mean of the *other* rewards in the group (a group of one keeps A = R, as veRL).
 * - `reinforce++`: discounted return-to-go of the reward (placed on the last policy token),
 *   whitened over all policy tokens of the batch.
 * - `gae` (PPO): GAE(γ, λ) with a critic, reward on the last policy token; returns = A + V;
 *   advantages whitened over the batch's policy tokens.
 *
 * Time steps for `reinforce++` and `gae` are the **policy tokens only**: environment tokens (the
 * `<information>` block, the invalid-action message) are skipped, so the step after a `</search>`
 * token is the first token the policy writes after the documents, discounting counts policy tokens,
 * and the critic is never bootstrapped from a value at a document token. Why: environment tokens are
 * not actions; they are part of the state transition, and the critic's values there are never trained
 * toward anything the policy controls. The released code instead runs GAE over every response token
 * (documents included) and only masks the loss. With the paper's γ = λ = 1 both give the same numbers:
 * A_t = Σ_{k≥t} r_k − V_t either way (the sum telescopes); they differ only for γ < 1 or λ < 1.
 */

export type AdvantageEstimator = 'reinforce' | 'grpo' | 'rloo' | 'reinforce++' | 'gae';
export const ADVANTAGE_ESTIMATORS: AdvantageEstimator[] = ['reinforce', 'grpo', 'rloo', 'reinforce++', 'gae'];

export interface AdvantageInput {
  estimator: AdvantageEstimator;
  /** One outcome reward per trajectory. */
  rewards: number[];
  /** trajectory × token; 1 = policy token (gets a gradient), 0 = anything else. Rows may differ in length. */
  mask: number[][];
  /** Group id per trajectory (the prompt uid); required for grpo and rloo. */
  groupIds?: Array<string | number>;
  /** Critic values, same shape as mask; required for gae. */
  values?: number[][];
  /** Discount; default 1 (paper App. F). Used by gae and reinforce++. */
  gamma?: number;
  /** GAE λ; default 1 (paper App. F). */
  lambda?: number;
  /**
   * Extra per-token rewards, same shape as mask, added on policy tokens before discounting (e.g. PPO's
   * in-reward KL penalty −β·KL_t). Only for gae and reinforce++; outcome estimators see only `rewards`.
   */
  tokenRewards?: number[][];
}

export interface AdvantageOutput {
  advantages: number[][];
  /** Discounted returns (gae: A + V before whitening, the critic's target; reinforce++: return-to-go). */
  returns?: number[][];
}

const GROUP_EPS = 1e-6;
const WHITEN_EPS = 1e-8;

export function computeAdvantages(input: AdvantageInput): AdvantageOutput {
  const { estimator, rewards, mask } = input;
  validate(input);
  switch (estimator) {
    case 'reinforce':
      return { advantages: broadcast(rewards, mask) };
    case 'grpo':
      return { advantages: broadcast(groupNormalised(rewards, input.groupIds!), mask) };
    case 'rloo':
      return { advantages: broadcast(leaveOneOut(rewards, input.groupIds!), mask) };
    case 'reinforce++': {
      const returns = discountedReturns(rewards, mask, input.tokenRewards, input.gamma ?? 1);
      return { advantages: maskedWhiten(returns, mask), returns };
    }
    case 'gae':
      return gae(rewards, mask, input.values!, input.tokenRewards, input.gamma ?? 1, input.lambda ?? 1);
  }
}

/** Per-trajectory scalar A_i copied onto that trajectory's policy tokens. */
function broadcast(perTrajectory: number[], mask: number[][]): number[][] {
  return mask.map((row, i) => row.map((m) => (m === 1 ? perTrajectory[i] : 0)));
}

function groupsOf(groupIds: Array<string | number>): Map<string | number, number[]> {
  const groups = new Map<string | number, number[]>();
  groupIds.forEach((g, i) => {
    const members = groups.get(g);
    if (members) members.push(i);
    else groups.set(g, [i]);
  });
  return groups;
}

function groupNormalised(rewards: number[], groupIds: Array<string | number>): number[] {
  const out = new Array<number>(rewards.length);
  for (const members of groupsOf(groupIds).values()) {
    const n = members.length;
    let mean = 0;
    let std = 1;
    if (n > 1) {
      mean = members.reduce((s, i) => s + rewards[i], 0) / n;
      std = Math.sqrt(members.reduce((s, i) => s + (rewards[i] - mean) ** 2, 0) / (n - 1));
    }
    for (const i of members) out[i] = (rewards[i] - mean) / (std + GROUP_EPS);
  }
  return out;
}

function leaveOneOut(rewards: number[], groupIds: Array<string | number>): number[] {
  const out = new Array<number>(rewards.length);
  for (const members of groupsOf(groupIds).values()) {
    const n = members.length;
    const sum = members.reduce((s, i) => s + rewards[i], 0);
    for (const i of members) out[i] = n > 1 ? rewards[i] - (sum - rewards[i]) / (n - 1) : rewards[i];
  }
  return out;
}

/** Indices of a row's policy tokens, in order. */
function policyPositions(row: number[]): number[] {
  const pos: number[] = [];
  row.forEach((m, t) => m === 1 && pos.push(t));
  return pos;
}

/** Reward at each policy step: the token reward, plus the outcome reward on the last policy token. */
function stepRewards(i: number, pos: number[], rewards: number[], tokenRewards?: number[][]): number[] {
  const r = pos.map((t) => (tokenRewards ? tokenRewards[i][t] : 0));
  if (pos.length > 0) r[pos.length - 1] += rewards[i];
  return r;
}

function discountedReturns(rewards: number[], mask: number[][], tokenRewards: number[][] | undefined, gamma: number): number[][] {
  return mask.map((row, i) => {
    const out = row.map(() => 0);
    const pos = policyPositions(row);
    const r = stepRewards(i, pos, rewards, tokenRewards);
    let running = 0;
    for (let k = pos.length - 1; k >= 0; k--) {
      running = r[k] + gamma * running;
      out[pos[k]] = running;
    }
    return out;
  });
}

function gae(rewards: number[], mask: number[][], values: number[][], tokenRewards: number[][] | undefined, gamma: number, lambda: number): AdvantageOutput {
  const raw = mask.map((row) => row.map(() => 0));
  const returns = mask.map((row) => row.map(() => 0));
  mask.forEach((row, i) => {
    const pos = policyPositions(row);
    const r = stepRewards(i, pos, rewards, tokenRewards);
    let lastGae = 0;
    for (let k = pos.length - 1; k >= 0; k--) {
      const v = values[i][pos[k]];
      const nextV = k + 1 < pos.length ? values[i][pos[k + 1]] : 0;
      const delta = r[k] + gamma * nextV - v;
      lastGae = delta + gamma * lambda * lastGae;
      raw[i][pos[k]] = lastGae;
      returns[i][pos[k]] = lastGae + v;
    }
  });
  return { advantages: maskedWhiten(raw, mask), returns };
}

/**
 * veRL `masked_whiten`: (x − mean) / sqrt(var + 1e-8) over all masked entries of the batch, with the
 * unbiased (Bessel-corrected) variance; unmasked entries stay 0.
 */
export function maskedWhiten(x: number[][], mask: number[][]): number[][] {
  let n = 0;
  let sum = 0;
  mask.forEach((row, i) =>
    row.forEach((m, t) => {
      if (m === 1) {
        n++;
        sum += x[i][t];
      }
    }),
  );
  if (n < 2) throw new Error(`mask: whitening needs at least 2 policy tokens in the batch, got ${n}`);
  const mean = sum / n;
  let sq = 0;
  mask.forEach((row, i) =>
    row.forEach((m, t) => {
      if (m === 1) sq += (x[i][t] - mean) ** 2;
    }),
  );
  const scale = 1 / Math.sqrt(sq / (n - 1) + WHITEN_EPS);
  return mask.map((row, i) => row.map((m, t) => (m === 1 ? (x[i][t] - mean) * scale : 0)));
}

function checkShape(name: string, x: number[][] | undefined, mask: number[][]): void {
  if (!Array.isArray(x) || x.length !== mask.length) {
    throw new Error(`${name}: expected ${mask.length} rows (one per trajectory, like mask), got ${Array.isArray(x) ? x.length : typeof x}`);
  }
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== mask[i].length) throw new Error(`${name}[${i}]: expected ${mask[i].length} tokens like mask[${i}]`);
    row.forEach((v, t) => {
      if (!Number.isFinite(v)) throw new Error(`${name}[${i}][${t}]: expected a finite number, got ${v}`);
    });
  });
}

function validate(input: AdvantageInput): void {
  const { estimator, rewards, mask, groupIds } = input;
  if (!ADVANTAGE_ESTIMATORS.includes(estimator)) {
    throw new Error(`estimator: unknown '${estimator}'; expected one of ${ADVANTAGE_ESTIMATORS.join(', ')}`);
  }
  if (!Array.isArray(mask)) throw new Error('mask: expected an array of rows (trajectory × token)');
  mask.forEach((row, i) => {
    if (!Array.isArray(row)) throw new Error(`mask[${i}]: expected an array of 0/1`);
    row.forEach((m, t) => {
      if (m !== 0 && m !== 1) throw new Error(`mask[${i}][${t}]: expected 0 or 1, got ${m}`);
    });
  });
  if (!Array.isArray(rewards) || rewards.length !== mask.length) {
    throw new Error(`rewards: expected one reward per trajectory (${mask.length}), got ${Array.isArray(rewards) ? rewards.length : typeof rewards}`);
  }
  rewards.forEach((r, i) => {
    if (!Number.isFinite(r)) throw new Error(`rewards[${i}]: expected a finite number, got ${r}`);
  });
  if (estimator === 'grpo' || estimator === 'rloo') {
    if (!Array.isArray(groupIds) || groupIds.length !== rewards.length) {
      throw new Error(`groupIds: ${estimator} needs one group id per trajectory (${rewards.length})`);
    }
  }
  if (estimator === 'gae') checkShape('values', input.values, mask);
  if (input.tokenRewards !== undefined) {
    if (estimator !== 'gae' && estimator !== 'reinforce++') throw new Error(`tokenRewards: only gae and reinforce++ use per-token rewards, not ${estimator}`);
    checkShape('tokenRewards', input.tokenRewards, mask);
  }
  for (const [name, v] of [
    ['gamma', input.gamma],
    ['lambda', input.lambda],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new Error(`${name}: expected a number in [0, 1], got ${v}`);
  }
}
