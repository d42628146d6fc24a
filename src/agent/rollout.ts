/**
 * Batched multi-turn rollouts: the policy writes, the environment answers, repeat (spec §3; ZeroSearch
 * `llm_agent/generation.py::run_llm_loop`).
 *
 * One KV cache holds every trajectory of the batch (or of one chunk of `chunkRows` rows; chunks run one after
 * another) for the whole episode, so nothing is ever re-read:
 * - a *turn*: every active row samples until its text contains `</search>` or `</answer>` (the vLLM
 *   post-processing cut), EOS, or `maxTurnTokens`; rows that finished their turn early wait (an empty
 *   chunk for `model.extend`) until the whole batch has finished the turn;
 * - then `parseAction` on each row's turn, **one** batched engine call for all rows that searched,
 *   and the observation (`\n\n<information>…</information>\n\n`, or the invalid-action message) is
 *   inserted into those rows' caches in one `extend` (pieces of `insertChunk` tokens when set); answered rows leave the batch;
 * - `maxTurns` such turns, then one final generation for rows still active, whose action is not executed.
 *
 * Every token carries a flag: 1 = written by the policy, 0 = prompt or inserted by the environment.
 * That flag is the loss mask of spec §7.
 *
 * "No engine" (`engine: null`) is the paper's R1 baseline (§4.2: RL without search). The prompt stays the
 * same template, so a policy may still write `<search>`; the environment then answers with
 * `No information available` (what a failed search returns in ZeroSearch), so searching never helps and
 * the policy learns to answer from its own knowledge.
 *
 * Differences from the released code, on purpose: (1) the context limit ends a trajectory
 * (`finishReason: 'length'`) instead of silently dropping its oldest tokens (ZeroSearch keeps the last 4096);
 * (2) token ids are kept exactly as sampled — a word-level tokenizer has `</search>` as one token, and an HF
 * tokenizer rarely merges a tag with text after it — instead of decode → cut → re-encode.
 */
import type { Transformer } from '../model/transformer';
import { sampleToken, stopOnStrings } from '../model/generate';
import type { Tokenizer } from '../text/tokenizer';
import { Rng } from '../util';
import type { Doc, SearchEngine } from '../search/types';
import { renderDocs, NO_INFORMATION_DOC } from '../search/types';
import { Action, cutAtAction, extractResponseAnswer, parseAction } from './actions';
import { observationFor } from './observation';
import { policyPrompt } from './template';

export interface RolloutQuestion {
  question: string;
  golden_answers?: string[];
  id?: string;
}

export interface RolloutOptions {
  /** 0 = greedy (evaluation); default 1 (training, as in every ZeroSearch script). */
  temperature?: number;
  /** Nucleus sampling; default 1 (the scripts use 0.95; the micro world prototype used 1). */
  topP?: number;
  seed?: number;
  /** Turns whose search results are fed back; then one final generation. Default 5 (README). */
  maxTurns?: number;
  /** Tokens the policy may write per turn (vLLM `max_response_length`, 500 in the scripts). Default 500. */
  maxTurnTokens?: number;
  /** Observation tokens kept (the rest is cut), `max_obs_length`. Default 2048. */
  maxObsTokens?: number;
  /** Total trajectory length (prompt included); reaching it ends the trajectory. Default 4096. */
  maxContextTokens?: number;
  /** Documents per search; 5 in ZeroSearch. */
  topk?: number;
  /** Extra options passed to every engine call (e.g. the simulator's noise probability of this step). */
  searchOptions?: Record<string, unknown>;
  /**
   * Prompt text of a question; default the Search-R1 base template (`policyPrompt`). For an instruct model
   * (Qwen2.5-Instruct), apply its chat template to the single user message as the paper does:
   * `prompt: (q) => hfTokenizer.applyChatTemplate(policyChat(q))`.
   */
  prompt?: (question: string) => string;
  /** Token ids that end a turn like EOS (a chat template's end-of-turn token; see ./policy-template). */
  stopTokenIds?: number[];
  /**
   * Rows per KV cache: questions roll out in chunks of this many, one chunk after another, so the cache and the
   * observation pass hold a chunk's rows, not all of them; 0 = all at once (default: the fastest where memory allows).
   * Each row samples from its own random stream, so with a stateless engine (BM25, a retriever) the trajectories
   * are the same whatever the chunk; a stateful one (the simulator draws useful/noisy and its seeds from one stream)
   * sees the queries in another order, and its draws land on other rows.
   */
  chunkRows?: number;
  /**
   * Longest run of tokens one `extend` call feeds a row: a longer prompt or observation goes in pieces of this many,
   * so the pass holds [rows × heads × piece × keys] attention scores, not the whole insert's; 0 = whole (default: one
   * call per insert, the fastest where memory allows). The same trajectories either way: each piece attends to the
   * cache the earlier ones filled.
   */
  insertChunk?: number;
}

export interface Turn {
  /** What the policy wrote this turn (decoded, cut after the first closing tag). */
  text: string;
  action: Action;
  /** What the environment inserted after it ('' for an answer or the final turn). */
  observation: string;
  /** For a search: whether the engine served noisy documents (simulator), else null (unknown / real engine). */
  noisy?: boolean | null;
}

export type FinishReason = 'answer' | 'max_turns' | 'length';

export interface Trajectory {
  /** Index of the question in the `questions` argument. */
  index: number;
  question: string;
  golden_answers: string[];
  prompt: string;
  /** Every token of the trajectory: prompt, policy turns, observations. */
  ids: number[];
  /** 1 where the policy wrote the token, 0 for prompt and environment tokens (same length as ids). */
  mask: number[];
  /** log π(token) at sampling time (temperature 1, untruncated) for policy tokens; 0 elsewhere. */
  logProbs: number[];
  promptLength: number;
  /** Everything after the prompt, decoded (turns and observations). */
  response: string;
  turns: Turn[];
  queries: string[];
  /** One entry per search: noisy (true), useful (false), unknown (null). */
  noisy: Array<boolean | null>;
  /** Last `<answer>` content in the response, or null. */
  answer: string | null;
  validActions: number;
  invalidActions: number;
  finishReason: FinishReason;
}

/** What the rollout needs from a model: the KV-cache interface of `Transformer`. */
export type PolicyModel = Pick<Transformer, 'config' | 'newCache' | 'extend'>;

interface Row {
  traj: Trajectory;
  rng: Rng;
  turnTokens: number[];
  turnDone: boolean;
}

const STOP_STRINGS = ['</search>', '</answer>'];

function checkOptions(o: Required<Omit<RolloutOptions, 'searchOptions' | 'prompt' | 'stopTokenIds'>>): void {
  for (const k of ['maxTurns', 'maxTurnTokens', 'maxObsTokens', 'maxContextTokens', 'topk', 'chunkRows', 'insertChunk'] as const) {
    const min = k === 'maxTurns' || k === 'chunkRows' || k === 'insertChunk' ? 0 : 1;
    if (!Number.isInteger(o[k]) || o[k] < min) throw new Error(`rollout: ${k} must be an integer ≥ ${min}, got ${o[k]}`);
  }
  if (!(o.temperature >= 0)) throw new Error(`rollout: temperature must be ≥ 0, got ${o.temperature}`);
}

/**
 * Roll out one trajectory per question (repeat a question n times for n rollouts). Works with any
 * SearchEngine, or `null` for no search (R1). Same seed, model and engine ⇒ the same trajectories.
 */
export async function rollout(
  policy: PolicyModel,
  tokenizer: Tokenizer,
  questions: readonly RolloutQuestion[],
  engine: SearchEngine | null,
  opts: RolloutOptions = {},
): Promise<Trajectory[]> {
  const o = {
    temperature: opts.temperature ?? 1,
    topP: opts.topP ?? 1,
    seed: opts.seed ?? 0,
    maxTurns: opts.maxTurns ?? 5,
    maxTurnTokens: opts.maxTurnTokens ?? 500,
    maxObsTokens: opts.maxObsTokens ?? 2048,
    maxContextTokens: opts.maxContextTokens ?? 4096,
    topk: opts.topk ?? 5,
    chunkRows: opts.chunkRows ?? 0,
    insertChunk: opts.insertChunk ?? 0,
  };
  checkOptions(o);
  if (questions.length === 0) return [];
  const makePrompt = opts.prompt ?? policyPrompt;
  const root = new Rng(o.seed);
  const isStop = stopOnStrings((ids) => tokenizer.decode(ids), STOP_STRINGS);
  const V = policy.config.vocabSize;
  const stopIds = new Set([tokenizer.eosId, ...(opts.stopTokenIds ?? [])]);

  const all: Row[] = questions.map((q, index) => {
    if (!q || typeof q.question !== 'string') throw new Error(`questions[${index}].question: expected a string`);
    const prompt = makePrompt(q.question);
    const ids = tokenizer.encode(prompt);
    if (ids.length === 0) throw new Error(`questions[${index}]: the prompt encodes to no tokens`);
    if (ids.length >= o.maxContextTokens) {
      throw new Error(`questions[${index}]: prompt has ${ids.length} tokens, maxContextTokens is ${o.maxContextTokens}`);
    }
    const traj: Trajectory = {
      index,
      question: q.question,
      golden_answers: q.golden_answers ?? [],
      prompt,
      ids: [...ids],
      mask: ids.map(() => 0),
      logProbs: ids.map(() => 0),
      promptLength: ids.length,
      response: '',
      turns: [],
      queries: [],
      noisy: [],
      answer: null,
      validActions: 0,
      invalidActions: 0,
      finishReason: 'max_turns',
    };
    return { traj, rng: root.fork(`row ${index}`), turnTokens: [], turnDone: false };
  });

  // One chunk of rows, from the prompt to the end of every trajectory, in its own KV cache.
  const episode = async (rows: Row[]): Promise<void> => {
    let active = rows.slice(); // cache row r holds active[r]
    const cache = policy.newCache(active.length);
    try {
      let pending: number[][] = active.map((r) => r.traj.ids); // chunks to feed before sampling
      for (let turn = 0; turn <= o.maxTurns && active.length > 0; turn++) {
        const finalTurn = turn === o.maxTurns;
        for (const r of active) {
          r.turnTokens = [];
          r.turnDone = false;
        }
        // ---- the policy writes one turn, all rows in lock-step --------------------------------------
        // A long prompt or observation goes in pieces; what is left (one piece at most) is fed with the first sample.
        while (o.insertChunk > 0 && pending.some((c) => c.length > o.insertChunk)) {
          const piece = pending.map((c) => c.slice(0, o.insertChunk));
          policy.extend(cache, piece).dispose();
          pending = pending.map((c) => c.slice(o.insertChunk));
        }
        while (active.some((r) => !r.turnDone)) {
          const logits = policy.extend(cache, pending);
          const values = logits.dataSync();
          logits.dispose();
          pending = active.map((r, i) => {
            if (r.turnDone) return [];
            const row = values.subarray(i * V, (i + 1) * V);
            const token = sampleToken(row, { temperature: o.temperature, topP: o.topP }, r.rng);
            r.turnTokens.push(token);
            r.traj.ids.push(token);
            r.traj.mask.push(1);
            r.traj.logProbs.push(logSoftmaxAt(row, token));
            if (stopIds.has(token) || isStop(r.turnTokens) || r.turnTokens.length >= o.maxTurnTokens) r.turnDone = true;
            if (r.traj.ids.length >= o.maxContextTokens) {
              r.turnDone = true;
              r.traj.finishReason = 'length';
            }
            return r.turnDone ? [] : [token];
          });
        }
        // ---- the environment answers ----------------------------------------------------------------
        const searchRows: Row[] = [];
        for (const r of active) {
          const text = cutAtAction(tokenizer.decode(r.turnTokens));
          const action = parseAction(text);
          const turnRecord: Turn = { text, action, observation: '' };
          r.traj.turns.push(turnRecord);
          if (action.kind === 'invalid') r.traj.invalidActions++;
          else r.traj.validActions++;
          if (action.kind === 'answer') r.traj.finishReason = 'answer';
          else if (finalTurn || r.traj.finishReason === 'length')
            continue; // the action is not executed
          else if (action.kind === 'search') searchRows.push(r);
          else turnRecord.observation = observationFor(action).observation; // the invalid-action message
        }
        const { docs, noisy: flags } = await searchAll(engine, searchRows, o.topk, opts.searchOptions);
        searchRows.forEach((r, i) => {
          const t = r.traj.turns[r.traj.turns.length - 1];
          r.traj.queries.push(t.action.content);
          r.traj.noisy.push(flags[i]);
          t.noisy = flags[i];
          t.observation = observationFor(t.action, renderDocs(docs[i])).observation;
        });
        // ---- insert observations; drop finished rows ------------------------------------------------
        const keep: number[] = [];
        pending = [];
        active.forEach((r, i) => {
          const t = r.traj.turns[r.traj.turns.length - 1];
          const done = finalTurn || r.traj.finishReason === 'answer' || r.traj.finishReason === 'length';
          if (done) return;
          const obsIds = tokenizer.encode(t.observation).slice(0, o.maxObsTokens);
          if (r.traj.ids.length + obsIds.length >= o.maxContextTokens) {
            r.traj.finishReason = 'length';
            return;
          }
          r.traj.ids.push(...obsIds);
          r.traj.mask.push(...obsIds.map(() => 0));
          r.traj.logProbs.push(...obsIds.map(() => 0));
          keep.push(i);
          // The turn's last sampled token has not been fed to the model yet: it goes first.
          pending.push([r.turnTokens[r.turnTokens.length - 1], ...obsIds]);
        });
        if (keep.length === 0) break;
        if (keep.length < active.length) {
          cache.selectRows(keep);
          active = keep.map((i) => active[i]);
        }
      }
    } finally {
      cache.dispose();
    }
  };
  const size = o.chunkRows > 0 ? o.chunkRows : all.length;
  for (let s = 0; s < all.length; s += size) await episode(all.slice(s, s + size));
  for (const { traj } of all) {
    traj.response = tokenizer.decode(traj.ids.slice(traj.promptLength));
    traj.answer = extractResponseAnswer(traj.response);
  }
  return all.map((r) => r.traj);
}

/**
 * An engine that also reports, per query, whether it served noisy documents (SimulatedSearchEngine's
 * `searchDetailed`); the rollout records those flags.
 */
interface DetailedEngine extends SearchEngine {
  searchDetailed(queries: string[], opts: Record<string, unknown> & { topk: number }): Promise<{ docs: Doc[][]; noisy: boolean[] }>;
}

function isDetailed(engine: SearchEngine): engine is DetailedEngine {
  return typeof (engine as Partial<DetailedEngine>).searchDetailed === 'function';
}

/**
 * One batched engine call (or NO_INFORMATION for every query when there is no engine). Each query carries
 * its question and first gold answer as `context` (the fine-tuned simulator's prompt needs them, §4.2;
 * other engines ignore it).
 */
async function searchAll(
  engine: SearchEngine | null,
  rows: Row[],
  topk: number,
  extra?: Record<string, unknown>,
): Promise<{ docs: Doc[][]; noisy: Array<boolean | null> }> {
  const queries = rows.map((r) => r.traj.turns[r.traj.turns.length - 1].action.content);
  if (queries.length === 0) return { docs: [], noisy: [] };
  if (engine === null) return { docs: queries.map(() => [NO_INFORMATION_DOC]), noisy: queries.map(() => null) };
  const context = rows.map((r) => ({ question: r.traj.question, answer: r.traj.golden_answers[0] ?? 'unknown' }));
  const opts = { ...extra, context, topk };
  const result = isDetailed(engine) ? await engine.searchDetailed(queries, opts) : { docs: await engine.search(queries, opts), noisy: null };
  if (!Array.isArray(result.docs) || result.docs.length !== queries.length) {
    throw new Error(
      `rollout: engine ${engine.name ?? ''} returned ${Array.isArray(result.docs) ? result.docs.length : typeof result.docs} result lists for ${queries.length} queries`,
    );
  }
  return { docs: result.docs, noisy: queries.map((_, i) => (result.noisy ? (result.noisy[i] ?? null) : null)) };
}

/** log softmax(row)[token] in float64. */
function logSoftmaxAt(row: ArrayLike<number>, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[token] - max - Math.log(sum);
}

/** Quick summary of a batch of trajectories (the trainer's per-step rollout metrics). */
export function rolloutStats(trajs: readonly Trajectory[]): {
  searchesPerTrajectory: number;
  validActionRatio: number;
  finishRatio: number;
  responseLength: number;
  policyTokens: number;
} {
  const n = Math.max(trajs.length, 1);
  const actions = trajs.reduce((a, t) => a + t.validActions + t.invalidActions, 0);
  return {
    searchesPerTrajectory: trajs.reduce((a, t) => a + t.queries.length, 0) / n,
    validActionRatio: actions ? trajs.reduce((a, t) => a + t.validActions, 0) / actions : 0,
    finishRatio: trajs.filter((t) => t.finishReason === 'answer').length / n,
    responseLength: trajs.reduce((a, t) => a + t.ids.length - t.promptLength, 0) / n,
    policyTokens: trajs.reduce((a, t) => a + t.mask.reduce((x, y) => x + y, 0), 0) / n,
  };
}

/** The trajectory as `[text](mask)` spans, for printing: policy text plain, environment text in ⟦…⟧. */
export function showMask(tokenizer: Tokenizer, traj: Trajectory, opts: { includePrompt?: boolean } = {}): string {
  const start = opts.includePrompt ? 0 : traj.promptLength;
  let out = '';
  let i = start;
  while (i < traj.ids.length) {
    const flag = traj.mask[i];
    let j = i;
    while (j < traj.ids.length && traj.mask[j] === flag) j++;
    const text = tokenizer.decode(traj.ids.slice(i, j));
    out += flag === 1 ? text : `⟦${text}⟧`;
    i = j;
  }
  return out;
}
