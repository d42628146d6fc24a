/**
 * The simulated search engine (spec §4): a language model writes the documents.
 *
 * Each query is one ZeroSearch "search call": it draws noisy with probability p (the curriculum's p_i) and
 * useful otherwise, once, and that draw covers all its documents. The prompt is the fine-tuned simulator's
 * (`sft`, §4.2, which includes the question and its gold answer) or the prompt-only simulator's (`prompt`,
 * §4.3). The text is parsed into `Doc i:` documents and cut at `Doc k+1`; malformed output is repaired
 * and reported per query (`searchDetailed`), never dropped silently.
 *
 * Two generators: `LocalGenerator` (the kit's transformer, batched across queries, in process) and
 * `RemoteGenerator` (any OpenAI-compatible `/v1/chat/completions` server: sglang, vLLM, or
 * `zerosearch serve-simulator`), with timeouts, retries and bounded concurrency.
 */
import { generate, stopOnStrings, Transformer } from '../model';
import { HfTokenizer } from '../text';
import type { Tokenizer } from '../text';
import { mapWithConcurrency, Rng } from '../util';
import { collapseBlankLines, findRepeatedDocument, parseSimulatorOutput } from './parse';
import { DocQuality, SimulatorQuery, promptOnlyPrompt, sftPrompt } from './prompts';
import { OnFailure, RetryOptions, requestJson, SearchHttpError } from '../search/http';
import { checkTopk, Doc, NO_INFORMATION_DOC, SearchEngine, SearchOptions } from '../search/types';

export interface CompletionOptions {
  temperature: number;
  maxTokens: number;
  seed: number;
  /** Stop once the text contains this string (the `Doc k+1` cut). */
  stop?: string;
  /**
   * Per prompt, output already written: the generator continues after it and returns only the new text;
   * `maxTokens` bounds the whole output, prefix included. Only for generators with `continuesPrefixes`.
   */
  prefixes?: string[];
}

/** A completion and why it ended: a stop (end of text, stop string) or its token budget or the model's context. */
export interface Completion {
  text: string;
  finishReason: 'stop' | 'length';
}

/** Something that continues prompts: the in-process model or an OpenAI-compatible server. */
export interface TextGenerator {
  readonly name: string;
  /** One completion per prompt; a failed prompt is an Error in its slot (so finished ones are kept). */
  complete(prompts: string[], opts: CompletionOptions): Promise<Array<string | Error>>;
  /** `complete` with each completion's finish reason, for generators that know it. */
  completeDetailed?(prompts: string[], opts: CompletionOptions): Promise<Array<Completion | Error>>;
  /** Whether `complete` honours `CompletionOptions.prefixes`. */
  readonly continuesPrefixes?: boolean;
  /** Remote generators: throw a clear error unless the server answers. */
  check?(): Promise<void>;
}

/** A prompt that fills the model's whole context, so no token can follow it (the server answers 400). */
export class PromptTooLongError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly contextTokens: number,
  ) {
    super(`prompt is ${promptTokens} tokens; the model's context holds ${contextTokens}, so nothing can be generated after it (shorten the prompt)`);
    this.name = 'PromptTooLongError';
  }
}

/**
 * The text a model is fed for a simulator prompt. A tokenizer with a chat template (Qwen2.5-Instruct) gets
 * ZeroSearch's request shape — an empty system message, the prompt as the user turn, the assistant turn
 * opened; word-level models take the prompt raw. SFT uses the same function, so training and serving agree.
 */
export function simulatorInputText(tokenizer: Tokenizer, prompt: string): string {
  return tokenizer instanceof HfTokenizer && tokenizer.chatTemplate
    ? tokenizer.applyChatTemplate([
        { role: 'system', content: '' },
        { role: 'user', content: prompt },
      ])
    : prompt;
}

/** The kit's transformer + tokenizer, generating `batchSize` prompts at a time. */
export class LocalGenerator implements TextGenerator {
  readonly name: string;
  readonly continuesPrefixes = true;
  constructor(
    readonly model: Transformer,
    readonly tokenizer: Tokenizer,
    readonly opts: { batchSize?: number; name?: string } = {},
  ) {
    this.name = opts.name ?? 'local';
  }

  encodePrompt(prompt: string): number[] {
    const ids = this.tokenizer.encode(simulatorInputText(this.tokenizer, prompt));
    if (ids.length === 0) throw new Error('LocalGenerator: prompt encodes to no tokens');
    return ids;
  }

  async complete(prompts: string[], opts: CompletionOptions): Promise<Array<string | Error>> {
    return (await this.completeDetailed(prompts, opts)).map((c) => (c instanceof Error ? c : c.text));
  }

  /** Each row has its own room (context minus its prompt), so one over-long prompt fails alone and never shortens the others. */
  async completeDetailed(prompts: string[], opts: CompletionOptions): Promise<Array<Completion | Error>> {
    const out: Array<Completion | Error> = [];
    const batchSize = this.opts.batchSize ?? 16;
    const context = this.model.config.maxPositions;
    const decode = (ids: number[]) => this.tokenizer.decode(ids, { skipSpecialTokens: true });
    const stopWhen = opts.stop ? stopOnStrings((ids) => decode(ids).toLowerCase(), [opts.stop.toLowerCase()]) : undefined;
    if (opts.prefixes && opts.prefixes.length !== prompts.length) {
      throw new Error(`LocalGenerator: ${opts.prefixes.length} prefixes for ${prompts.length} prompts`);
    }
    for (let start = 0; start < prompts.length; start += batchSize) {
      const chunk = prompts.slice(start, start + batchSize);
      const written = chunk.map((_, j) => (opts.prefixes?.[start + j] ? this.tokenizer.encode(opts.prefixes[start + j]) : []));
      const inputs = chunk.map((p, j) => [...this.encodePrompt(p), ...written[j]]);
      // An over-long row gets no budget, so generate never feeds it to the model and the other rows keep their random streams.
      const result = generate(this.model, inputs, {
        maxNewTokens: inputs.map((ids, j) => Math.max(0, Math.min(opts.maxTokens - written[j].length, context - ids.length))),
        temperature: opts.temperature,
        seed: opts.seed + start,
        eosId: this.tokenizer.eosId,
        stopWhen,
      });
      inputs.forEach((ids, j) => {
        out.push(
          ids.length >= context ? new PromptTooLongError(ids.length, context) : { text: decode(result.tokens[j]), finishReason: result.finishReason[j] },
        );
      });
      await new Promise((r) => setImmediate(r)); // let servers and timers breathe between batches
    }
    return out;
  }
}

export interface RemoteGeneratorOptions extends RetryOptions {
  /** Server root, e.g. http://127.0.0.1:6001 (ZeroSearch's port); `/v1/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  /** Model name sent in requests (ZeroSearch sends ''). */
  model?: string;
  /** Requests in flight at once (ZeroSearch's search pool has 10 workers). Default 8. */
  concurrency?: number;
}

/** The server root of `baseUrl` (a trailing `/v1` dropped) and the headers every request carries. */
function serverOf(opts: RemoteGeneratorOptions): { base: string; headers: Record<string, string> } {
  return { base: opts.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, ''), headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {} };
}

/** One chat completion from an OpenAI-compatible server (system '' + user prompt, as ZeroSearch sends). */
export async function chatCompletion(
  opts: RemoteGeneratorOptions,
  prompt: string,
  c: { temperature: number; maxTokens: number; seed?: number },
): Promise<string> {
  const { base, headers } = serverOf(opts);
  return requestJson(
    {
      url: `${base}/v1/chat/completions`,
      label: `chat completion at ${base}`,
      method: 'POST',
      headers,
      body: {
        model: opts.model ?? '',
        messages: [
          { role: 'system', content: '' },
          { role: 'user', content: prompt },
        ],
        max_tokens: c.maxTokens,
        temperature: c.temperature,
        ...(c.seed !== undefined && { seed: c.seed }),
      },
    },
    opts,
    (json) => {
      const content = (json as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error('expected {"choices": [{"message": {"content": string}}]}');
      return content;
    },
  );
}

export class RemoteGenerator implements TextGenerator {
  readonly name: string;
  constructor(readonly opts: RemoteGeneratorOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl ?? ''))
      throw new Error(`RemoteGenerator: baseUrl must start with http:// or https://, got ${JSON.stringify(opts.baseUrl)}`);
    this.name = `openai:${opts.baseUrl}`;
  }

  complete(prompts: string[], opts: CompletionOptions): Promise<Array<string | Error>> {
    return mapWithConcurrency(prompts, this.opts.concurrency ?? 8, async (prompt, i) => {
      try {
        return await chatCompletion(this.opts, prompt, { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed + i });
      } catch (err) {
        return err as Error;
      }
    });
  }

  /** GET /v1/models, which sglang, vLLM and serve-simulator all answer. */
  async check(): Promise<void> {
    const { base, headers } = serverOf(this.opts);
    try {
      await requestJson({ url: `${base}/v1/models`, label: `models at ${base}`, headers }, this.opts, (json) => json);
    } catch (err) {
      throw new Error(`simulator server ${base} does not answer: ${(err as Error).message}`);
    }
  }
}

export interface SimulatedEngineOptions {
  generator: TextGenerator;
  /** `sft` (§4.2, the fine-tuned simulator) or `prompt` (§4.3, the untuned prompt-only simulator). Default sft. */
  promptStyle?: 'sft' | 'prompt';
  /** Probability that a query gets noisy documents (overridden per call). Default 0. */
  noiseProbability?: number;
  /** ZeroSearch samples the simulator at 0.8. */
  temperature?: number;
  /** Generation budget per query (ZeroSearch: 600 tokens). Default 60 per document. */
  maxTokens?: number;
  seed?: number;
  /** 'throw' (default): a generator failure rejects the call; 'empty': that query gets "No information available". */
  onFailure?: OnFailure;
  /**
   * Rewrites of a useful response that repeats one of its documents (same opening words): the generator
   * writes that document again from just after its `Doc i:` marker, up to this many times; the documents
   * after it are kept. A real engine never returns a document twice; a small simulator often does. Off by
   * default, because ZeroSearch learnt less from the rewritten responses (docs/experiments.md).
   * Needs a generator with `continuesPrefixes`.
   */
  distinctRetries?: number;
}

export interface SimulatedSearchOptions extends SearchOptions {
  /** p for this call (the trainer's curriculum value); default: the engine's current p. */
  noiseProbability?: number;
  /** The question and gold answer behind each query (the §4.2 prompt needs them). Missing: the query stands in for the question, answer "unknown". */
  context?: ReadonlyArray<{ question: string; answer: string } | undefined>;
  /** Force the quality of every query of this call (evaluation); skips the random draw. */
  quality?: DocQuality;
}

export interface SimulatedResult {
  docs: Doc[][];
  /** Per query: whether it was served noisy documents (the RL rollout logs this). */
  noisy: boolean[];
  wellFormed: boolean[];
  /** Per query: what the parser repaired, or why the query failed. */
  problems: string[][];
  raw: string[];
  /** Per query: how many times a repeated document was rewritten (`distinctRetries`). */
  rewrites: number[];
}

export class SimulatedSearchEngine implements SearchEngine {
  readonly name: string;
  private noise: number;
  private readonly rng: Rng;
  /** The most recent call's details (use `searchDetailed` when calls overlap). */
  lastCall: SimulatedResult | null = null;

  constructor(readonly opts: SimulatedEngineOptions) {
    this.noise = 0;
    this.setNoiseProbability(opts.noiseProbability ?? 0);
    this.rng = new Rng(`${opts.seed ?? 0}:simulated-search`);
    this.name = `simulated:${opts.promptStyle ?? 'sft'}:${opts.generator.name}`;
  }

  setNoiseProbability(p: number): void {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`SimulatedSearchEngine: noise probability must be in [0, 1], got ${p}`);
    this.noise = p;
  }

  get noiseProbability(): number {
    return this.noise;
  }

  async check(): Promise<void> {
    await this.opts.generator.check?.();
  }

  randomState(): unknown {
    return this.rng.getState();
  }

  restoreRandomState(state: unknown): void {
    this.rng.setState(state);
  }

  async search(queries: string[], opts: SimulatedSearchOptions): Promise<Doc[][]> {
    return (await this.searchDetailed(queries, opts)).docs;
  }

  async searchDetailed(queries: string[], opts: SimulatedSearchOptions): Promise<SimulatedResult> {
    checkTopk(opts.topk);
    const p = opts.noiseProbability ?? this.noise;
    if (!(p >= 0 && p <= 1)) throw new Error(`SimulatedSearchEngine: noiseProbability must be in [0, 1], got ${p}`);
    if (opts.context && opts.context.length !== queries.length) {
      throw new Error(`SimulatedSearchEngine: context has ${opts.context.length} entries for ${queries.length} queries`);
    }
    // ZeroSearch: `if random() > p: useful else noisy` — one draw per query, before generation.
    const noisy = queries.map(() => (opts.quality ? opts.quality === 'noisy' : this.rng.next() < p));
    const build = this.opts.promptStyle === 'prompt' ? promptOnlyPrompt : sftPrompt;
    const prompts = queries.map((query, i) => {
      const ctx = opts.context?.[i];
      const q: SimulatorQuery = { query, question: ctx?.question ?? query, answer: ctx?.answer ?? 'unknown' };
      return build(q, noisy[i] ? 'noisy' : 'useful', opts.topk);
    });
    const completion = { temperature: this.opts.temperature ?? 0.8, maxTokens: this.opts.maxTokens ?? 60 * opts.topk, stop: `Doc ${opts.topk + 1}` };
    const outputs = await this.opts.generator.complete(prompts, { ...completion, seed: this.rng.nextUint32() });
    const rewrites = await this.rewriteRepeats(prompts, outputs, noisy, opts.topk, completion);
    const result: SimulatedResult = { docs: [], noisy, wellFormed: [], problems: [], raw: [], rewrites };
    const failures: string[] = [];
    outputs.forEach((out, i) => {
      if (out instanceof Error) {
        failures.push(`query ${JSON.stringify(queries[i])}: ${out.message}`);
        result.docs.push([{ ...NO_INFORMATION_DOC }]);
        result.wellFormed.push(false);
        result.problems.push([`generation failed: ${out.message}`]);
        result.raw.push('');
        return;
      }
      const parsed = parseSimulatorOutput(out, opts.topk);
      result.docs.push(parsed.docs);
      result.wellFormed.push(parsed.wellFormed);
      result.problems.push(parsed.problems);
      result.raw.push(out);
    });
    if (failures.length && (this.opts.onFailure ?? 'throw') === 'throw') {
      const err = new SearchHttpError(`simulated search: ${failures.length} of ${queries.length} queries failed; first: ${failures[0]}`, undefined, true);
      (err as SearchHttpError & { partial?: SimulatedResult }).partial = result;
      throw err;
    }
    this.lastCall = result;
    return result;
  }

  /**
   * Rewrite, in place, each useful output's first repeated document: the generator continues from just after
   * its `Doc i:` marker until `Doc i+1`, and the documents after it are kept.
   */
  private async rewriteRepeats(
    prompts: string[],
    outputs: Array<string | Error>,
    noisy: boolean[],
    topk: number,
    completion: Omit<CompletionOptions, 'seed'>,
  ): Promise<number[]> {
    const rewrites = outputs.map(() => 0);
    if (!this.opts.generator.continuesPrefixes) return rewrites;
    for (let round = 0; round < (this.opts.distinctRetries ?? 0); round++) {
      const redo = outputs.flatMap((out, i) => {
        if (typeof out !== 'string' || noisy[i]) return [];
        const text = collapseBlankLines(out);
        const repeat = findRepeatedDocument(text, topk);
        return repeat ? [{ i, text, repeat }] : [];
      });
      // One batch per `Doc i+1` stop string, so every rewrite ends with its own document.
      for (const number of new Set(redo.map((r) => r.repeat.number))) {
        const group = redo.filter((r) => r.repeat.number === number);
        const more = await this.opts.generator.complete(
          group.map((r) => prompts[r.i]),
          {
            ...completion,
            stop: `Doc ${number + 1}`,
            seed: this.rng.nextUint32(),
            prefixes: group.map((r) => r.text.slice(0, r.repeat.start)),
          },
        );
        group.forEach(({ i, text, repeat }, j) => {
          const next = more[j];
          if (typeof next !== 'string') return; // keep the finished text rather than lose it to a failed rewrite
          const stop = next.search(new RegExp(`doc\\s*${number + 1}\\b`, 'i'));
          const doc = (stop >= 0 ? next.slice(0, stop) : next).trimEnd();
          outputs[i] = `${text.slice(0, repeat.start)}${doc}\n${text.slice(repeat.end)}`;
          rewrites[i]++;
        });
      }
    }
    return rewrites;
  }
}
