/**
 * HTTP plumbing shared by the remote engines (Search-R1 retriever client, SerpAPI): a JSON request
 * with a timeout and retries with exponential backoff, and the failure policy that turns a search
 * that still fails into ZeroSearch's "No information available" instead of ending a long run.
 */
import { Doc, NO_INFORMATION_DOC } from './types';

export interface RetryOptions {
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after the first (ZeroSearch retries Google 3 times). Default 3. */
  retries?: number;
  /** Wait before retry r (0-based) is backoffMs · 2^r. Default 500 ms. */
  backoffMs?: number;
}

/** What to do when a search still fails after its retries: raise, or answer "No information available". */
export type OnFailure = 'throw' | 'empty';

/** An HTTP failure; `retryable` says whether trying again could help (timeouts, 5xx, 429, bad JSON). */
export class SearchHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SearchHttpError';
  }
}

export interface JsonRequest {
  url: string;
  /** How the request is named in errors (keeps secrets such as api_key out of messages). */
  label: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function attemptJson(req: JsonRequest, timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method ?? 'GET',
        headers: { ...(req.body !== undefined && { 'content-type': 'application/json' }), ...req.headers },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: controller.signal,
      });
    } catch (err) {
      const why = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : `failed (${(err as Error).message})`;
      throw new SearchHttpError(`${req.label}: request ${why}`, undefined, true);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      const why = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      throw new SearchHttpError(`${req.label}: reading the response failed (${why})`, res.status, true);
    }
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      throw new SearchHttpError(`${req.label}: HTTP ${res.status}: ${text.slice(0, 300)}`, res.status, retryable);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new SearchHttpError(`${req.label}: response is not valid JSON: ${JSON.stringify(text.slice(0, 200))}`, res.status, true);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Send a request and return its JSON answer passed through `parse` (which throws on a wrong shape),
 * retrying what can be retried: timeouts, connection errors, 5xx, 429, and bodies that are not
 * valid JSON or not the expected shape. Throws the last error, naming the request and attempts.
 */
export async function requestJson<T>(req: JsonRequest, opts: RetryOptions, parse: (json: unknown) => T): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    try {
      const json = await attemptJson(req, timeoutMs);
      try {
        return parse(json);
      } catch (err) {
        throw new SearchHttpError(`${req.label}: unexpected response: ${(err as Error).message}`, 200, true);
      }
    } catch (err) {
      const retryable = err instanceof SearchHttpError && err.retryable;
      if (!retryable || attempt >= retries) {
        if (attempt > 0) (err as Error).message += ` (after ${attempt + 1} attempts)`;
        throw err;
      }
      await sleep(backoffMs * 2 ** attempt);
    }
  }
}

/**
 * Run one search call under a failure policy: with 'empty', a transient failure that survived the
 * retries (timeout, connection error, 5xx, 429, malformed response) becomes `[NO_INFORMATION_DOC]`
 * for each of `count` queries and a warning on stderr, so a long evaluation keeps its finished work.
 * With 'throw', and for client errors (4xx: wrong key, bad request) and bugs, the error propagates.
 */
export async function withFailurePolicy(onFailure: OnFailure, count: number, run: () => Promise<Doc[][]>): Promise<Doc[][]> {
  try {
    return await run();
  } catch (err) {
    // A client error (bad key, bad request) would fail every query the same way: never hide it.
    const clientError = err instanceof SearchHttpError && !err.retryable;
    if (onFailure === 'throw' || clientError || !(err instanceof SearchHttpError)) throw err;
    if (process.env.ZS_QUIET !== '1') {
      process.stderr.write(`search failed, answering "${NO_INFORMATION_DOC.text}": ${(err as Error).message}\n`);
    }
    return Array.from({ length: count }, () => [{ ...NO_INFORMATION_DOC }]);
  }
}
