/**
 * Batched autoregressive generation on the KV cache, with seeded sampling in JavaScript.
 *
 * Each row has its own random stream (forked from the seed by row index), so a row's samples do not depend
 * on when other rows finish. Finished rows are dropped from the cache, so they stop costing compute.
 */
import { Rng } from '../util';
import type { Transformer } from './transformer';

export interface SampleOptions {
  /** 0 = greedy (argmax); otherwise logits are divided by it before the softmax. Default 1. */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of most likely tokens whose probability reaches topP. Default 1. */
  topP?: number;
}

/** Draw one token id from a row of logits. */
export function sampleToken(logits: ArrayLike<number>, opts: SampleOptions, rng: Rng): number {
  const temperature = opts.temperature ?? 1;
  const topP = opts.topP ?? 1;
  if (temperature < 0) throw new Error(`sampleToken: temperature must be >= 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`sampleToken: topP must be in (0, 1], got ${topP}`);
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    probs[i] = Math.exp((logits[i] - logits[best]) / temperature);
    total += probs[i];
  }
  let candidates: ArrayLike<number> | null = null;
  if (topP < 1) {
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
    let kept = 0;
    let mass = 0;
    while (kept < order.length && mass < topP * total) mass += probs[order[kept++]];
    candidates = order.slice(0, kept);
    total = mass;
  }
  let u = rng.next() * total;
  const n = candidates ? candidates.length : probs.length;
  for (let j = 0; j < n; j++) {
    const id = candidates ? candidates[j] : j;
    u -= probs[id];
    if (u <= 0) return id;
  }
  return candidates ? candidates[n - 1] : best; // floating-point leftovers
}

export interface GenerateOptions extends SampleOptions {
  /** New tokens at most: one budget for every row, or one per row. */
  maxNewTokens: number | number[];
  seed?: number;
  /** Finish a row when it samples one of these ids (the id is kept in its output). */
  stopTokenIds?: number[];
  /** End-of-sequence id; same effect as listing it in stopTokenIds. */
  eosId?: number;
  /** Finish a row when this returns true for its new tokens so far (see stopOnStrings). */
  stopWhen?: (rowTokens: number[]) => boolean;
}

export interface GenerateResult {
  /** New tokens per row (prompt excluded; a stop token or stop string is included). */
  tokens: number[][];
  finishReason: Array<'stop' | 'length'>;
}

/** Generate continuations of `prompts` (each at least one token) in one batch. */
export function generate(model: Transformer, prompts: number[][], opts: GenerateOptions): GenerateResult {
  if (prompts.length === 0) return { tokens: [], finishReason: [] };
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`generate: prompt ${i} is empty (expected at least one token)`);
  });
  const budgets = typeof opts.maxNewTokens === 'number' ? prompts.map(() => opts.maxNewTokens as number) : opts.maxNewTokens;
  if (budgets.length !== prompts.length || !budgets.every((b) => Number.isInteger(b) && b >= 0)) {
    throw new Error(`generate: maxNewTokens must be a non-negative integer or one per prompt, got ${JSON.stringify(opts.maxNewTokens)}`);
  }
  const stopIds = new Set(opts.stopTokenIds ?? []);
  if (opts.eosId !== undefined) stopIds.add(opts.eosId);
  const root = new Rng(opts.seed ?? 0);
  const rngs = prompts.map((_, i) => root.fork(`row ${i}`));
  const tokens: number[][] = prompts.map(() => []);
  const finishReason: Array<'stop' | 'length'> = prompts.map(() => 'length');
  let active = prompts.map((_, i) => i).filter((i) => budgets[i] > 0); // original row of each cache row
  if (active.length === 0) return { tokens, finishReason };

  const V = model.config.vocabSize;
  const cache = model.newCache(active.length);
  try {
    let logits = model.extend(
      cache,
      active.map((i) => prompts[i]),
    );
    for (let step = 0; ; step++) {
      const values = logits.dataSync();
      logits.dispose();
      const next: number[] = [];
      const keep: number[] = [];
      active.forEach((row, r) => {
        const token = sampleToken(values.subarray(r * V, (r + 1) * V), opts, rngs[row]);
        tokens[row].push(token);
        if (stopIds.has(token) || opts.stopWhen?.(tokens[row])) finishReason[row] = 'stop';
        else if (tokens[row].length < budgets[row]) {
          keep.push(r);
          next.push(token);
        }
      });
      if (keep.length === 0) break;
      if (keep.length < active.length) {
        cache.selectRows(keep);
        active = keep.map((r) => active[r]);
      }
      logits = model.extend(
        cache,
        next.map((t) => [t]),
      );
    }
  } finally {
    cache.dispose();
  }
  return { tokens, finishReason };
}

/**
 * A `stopWhen` that fires once the decoded new tokens contain one of `strings` (e.g. `</search>`).
 * Only the tail is decoded each step — enough tokens to hold the longest string even at one character
 * per token, plus slack for tokens that decode to nothing.
 */
export function stopOnStrings(decode: (ids: number[]) => string, strings: string[]): (rowTokens: number[]) => boolean {
  if (strings.length === 0) throw new Error('stopOnStrings: give at least one stop string');
  const window = Math.max(...strings.map((s) => s.length)) + 8;
  return (rowTokens) => {
    const tail = decode(rowTokens.slice(-window));
    return strings.some((s) => tail.includes(s));
  };
}
