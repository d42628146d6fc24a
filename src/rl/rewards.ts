/**
 * Outcome rewards: one number per trajectory, placed on its last policy token by the advantage code.
 * ZeroSearch's reward is the F1 of the final answer (spec §6): no format reward, because with EM the
 * policy learned to write over-long answers. EM and cover-EM are here for ablations and for logging.
 *
 * Extraction: rewards read the policy's *response* (its turns plus the observations, without the prompt)
 * and use its last `<answer>…</answer>`; no answer ⇒ reward 0. ZeroSearch scores the decoded prompt +
 * response instead, where a silent trajectory is scored on the prompt's example answer "Beijing"
 * (≈ 0 as well, but not exactly: gold "Beijing" would get 1). To reproduce that, pass `extractAnswer`
 * from src/agent as `extract` and give the full text.
 */
import { extractResponseAnswer } from '../agent/actions';
import { exactMatch, coverExactMatch, f1Score } from '../text/metrics';

/** (responseText, goldenAnswers) → reward. */
export type RewardFunction = (responseText: string, goldenAnswers: readonly string[]) => number;

type AnswerMetric = (pred: string, golds: readonly string[]) => number;

/** A reward that scores the extracted answer with `metric`; 0 when nothing is extracted. */
export function answerReward(metric: AnswerMetric, extract: (text: string) => string | null = extractResponseAnswer): RewardFunction {
  return (responseText, goldenAnswers) => {
    if (typeof responseText !== 'string') throw new Error(`responseText: expected a string, got ${typeof responseText}`);
    const answer = extract(responseText);
    return answer === null ? 0 : metric(answer, goldenAnswers);
  };
}

/** The paper's reward: token F1 (max over gold answers) of the final answer. */
export const f1Reward: RewardFunction = answerReward(f1Score);
/** Strict exact match of the final answer (Search-R1's reward). */
export const emReward: RewardFunction = answerReward(exactMatch);
/** Substring EM of the final answer (what ZeroSearch logs as "EM"). */
export const coverEmReward: RewardFunction = answerReward(coverExactMatch);

export const REWARD_FUNCTIONS = { f1: f1Reward, em: emReward, 'cover-em': coverEmReward } as const;
export type RewardName = keyof typeof REWARD_FUNCTIONS;

/** Look a reward up by its config name ('f1' | 'em' | 'cover-em'). */
export function rewardByName(name: string): RewardFunction {
  const fn = (REWARD_FUNCTIONS as Record<string, RewardFunction>)[name];
  if (!fn) throw new Error(`reward: unknown name '${name}'; expected one of ${Object.keys(REWARD_FUNCTIONS).join(', ')}`);
  return fn;
}

const TAG = /<(\/?)(think|search|answer|information)>/g;

/**
 * A response is well formed when its think/search/information/answer tags open and close in turn
 * (no nesting, none left open), it contains exactly one answer, and nothing but whitespace follows
 * that answer. An invalid-action turn makes a response ill formed: the corrective message quotes
 * `<answer> and </answer>`, which counts as a second answer.
 */
export function isWellFormed(responseText: string): boolean {
  let open: string | null = null;
  let answers = 0;
  let lastAnswerEnd = -1;
  for (const m of responseText.matchAll(TAG)) {
    const [whole, slash, name] = m;
    if (!slash) {
      if (open !== null) return false;
      open = name;
    } else {
      if (open !== name) return false;
      open = null;
      if (name === 'answer') {
        answers++;
        lastAnswerEnd = m.index! + whole.length;
      }
    }
  }
  return open === null && answers === 1 && responseText.slice(lastAnswerEnd).trim() === '';
}

/**
 * Optional format shaping (off unless you wrap a reward with it; the paper uses none):
 * subtracts `penalty` from the base reward when the response is not well formed.
 */
export function withFormatPenalty(base: RewardFunction, opts: { penalty?: number } = {}): RewardFunction {
  const penalty = opts.penalty ?? 0.1;
  if (!Number.isFinite(penalty) || penalty < 0) throw new Error(`penalty: expected a number ≥ 0, got ${penalty}`);
  return (responseText, goldenAnswers) => base(responseText, goldenAnswers) - (isWellFormed(responseText) ? 0 : penalty);
}
