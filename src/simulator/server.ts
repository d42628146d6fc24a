/**
 * Serve a simulator over the OpenAI chat API, the way ZeroSearch's trainer reaches its simulators (sglang
 * on port 6001, spec §4.1), so the kit's own simulator can stand in for the released ones:
 *
 *   POST /v1/chat/completions {messages, max_tokens?, temperature?, model?}  → {choices: [{message: {content}}]}
 *   GET  /v1/models → {object: "list", data: [{id, object: "model"}]};  GET /health → {ok: true}
 *
 * The prompt is the message contents joined by newlines (an empty system message, as ZeroSearch sends,
 * adds nothing; content may be a string or a list of `{type: "text", text}` parts). Requests are queued and
 * generated in batches (same temperature and max_tokens), so many parallel clients share the model. Like
 * the retriever server: loopback by default, optional API key, bounded body, max_tokens and queue, and a
 * 4xx `{"error": {message}}` for every bad request (a prompt that fills the model's context included).
 * `finish_reason` is "length" when max_tokens or the context cut the output, "stop" otherwise.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { checkAuth, readBody, RequestError, sendJson } from '../search/retriever-server';
import { Completion, CompletionOptions, PromptTooLongError, TextGenerator } from './engine';

export interface SimulatorServerOptions {
  /** Default 127.0.0.1. Use 0.0.0.0 deliberately, with an apiKey. */
  host?: string;
  /** Default 6001 (ZeroSearch's); 0 picks a free port. */
  port?: number;
  apiKey?: string;
  maxBodyBytes?: number;
  /** Largest max_tokens accepted (default 1024); requests without one get `defaultMaxTokens` (600, ZeroSearch's). */
  maxTokens?: number;
  defaultMaxTokens?: number;
  /** Prompts generated together (default 16). */
  maxBatch?: number;
  /** Requests waiting at most; beyond it the server answers 503 (default 1024). */
  maxQueue?: number;
  /** Name reported by /v1/models and in responses. */
  modelName?: string;
}

export interface RunningSimulatorServer {
  /** e.g. http://127.0.0.1:6001 — what RemoteGenerator's baseUrl takes. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Pending {
  prompt: string;
  temperature: number;
  maxTokens: number;
  /** The request's own seed (vLLM's per-request `seed`): generated alone, so the same request gives the same text. */
  seed?: number;
  resolve(c: Completion): void;
  reject(err: Error): void;
}

/** Completions with their finish reasons; a generator that cannot tell is taken to have stopped on its own. */
async function completions(generator: TextGenerator, prompts: string[], opts: CompletionOptions): Promise<Array<Completion | Error>> {
  if (generator.completeDetailed) return generator.completeDetailed(prompts, opts);
  return (await generator.complete(prompts, opts)).map((t) => (t instanceof Error ? t : { text: t, finishReason: 'stop' }));
}

function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (
    Array.isArray(content) &&
    content.every((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string')
  ) {
    return content.map((p) => (p as { text: string }).text).join('');
  }
  throw new RequestError(400, `messages[${i}].content must be a string or a list of {"type": "text", "text": string} parts`);
}

function parseRequest(body: unknown, o: Required<SimulatorServerOptions>): { prompt: string; temperature: number; maxTokens: number; seed?: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError(400, 'request body must be a JSON object {"messages": [...]}');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new RequestError(400, '"messages" must be a non-empty array of {role, content}');
  const parts = b.messages.map((m, i) => {
    const role = (m as { role?: unknown })?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant')
      throw new RequestError(400, `messages[${i}].role must be "system", "user" or "assistant"`);
    return messageText((m as { content?: unknown }).content, i);
  });
  const prompt = parts.filter((p) => p.length > 0).join('\n');
  if (!prompt.trim()) throw new RequestError(400, 'the messages contain no text');
  if (b.stream === true) throw new RequestError(400, '"stream": true is not supported');
  if (b.n !== undefined && b.n !== 1) throw new RequestError(400, '"n" must be 1');
  const maxTokens = b.max_tokens ?? b.max_completion_tokens ?? o.defaultMaxTokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > o.maxTokens) {
    throw new RequestError(400, `"max_tokens" must be an integer from 1 to ${o.maxTokens}, got ${JSON.stringify(maxTokens)}`);
  }
  const temperature = b.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))
    throw new RequestError(400, `"temperature" must be a number from 0 to 2, got ${JSON.stringify(temperature)}`);
  const seed = b.seed ?? undefined;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0))
    throw new RequestError(400, `"seed" must be an integer ≥ 0, got ${JSON.stringify(seed)}`);
  return { prompt, temperature, maxTokens, ...(typeof seed === 'number' && { seed }) };
}

export function serveSimulator(generator: TextGenerator, options: SimulatorServerOptions = {}): Promise<RunningSimulatorServer> {
  const o: Required<SimulatorServerOptions> = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 6001,
    apiKey: options.apiKey ?? '',
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
    maxTokens: options.maxTokens ?? 1024,
    defaultMaxTokens: Math.min(options.defaultMaxTokens ?? 600, options.maxTokens ?? 1024),
    maxBatch: options.maxBatch ?? 16,
    maxQueue: options.maxQueue ?? 1024,
    modelName: options.modelName ?? 'zerosearch-simulator',
  };
  const queue: Pending[] = [];
  let busy = false;
  let batches = 0;

  // One batch at a time: take the oldest request and every queued unseeded one with the same settings.
  async function drain(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      while (queue.length) {
        const head = queue[0];
        const batch =
          head.seed !== undefined
            ? [head]
            : queue.filter((p) => p.seed === undefined && p.temperature === head.temperature && p.maxTokens === head.maxTokens).slice(0, o.maxBatch);
        for (const p of batch) queue.splice(queue.indexOf(p), 1);
        try {
          const out = await completions(
            generator,
            batch.map((p) => p.prompt),
            { temperature: head.temperature, maxTokens: head.maxTokens, seed: head.seed ?? batches++ },
          );
          out.forEach((c, i) => (c instanceof Error ? batch[i].reject(c) : batch[i].resolve(c)));
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
        }
      }
    } finally {
      busy = false;
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => sendJson(res, 500, { error: { message: `internal error: ${err.message}` } }));
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      checkAuth(req, o.apiKey || undefined);
      const route = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
      if (req.method === 'GET' && route === '/health') return sendJson(res, 200, { ok: true, model: o.modelName, queued: queue.length });
      if (req.method === 'GET' && route === '/v1/models') {
        return sendJson(res, 200, { object: 'list', data: [{ id: o.modelName, object: 'model', created: 0, owned_by: 'zerosearch-kit' }] });
      }
      if (route !== '/v1/chat/completions') throw new RequestError(404, `no route ${req.method} ${route}; use POST /v1/chat/completions or GET /v1/models`);
      if (req.method !== 'POST') throw new RequestError(405, `use POST /v1/chat/completions, not ${req.method}`);
      let body: unknown;
      const text = await readBody(req, o.maxBodyBytes);
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new RequestError(400, `request body is not valid JSON (${(err as Error).message})`);
      }
      const request = parseRequest(body, o);
      if (queue.length >= o.maxQueue) throw new RequestError(503, `server busy: ${queue.length} requests queued`);
      const { text: content, finishReason } = await new Promise<Completion>((resolve, reject) => {
        queue.push({ ...request, resolve, reject });
        void drain();
      }).catch((err: Error) => {
        throw err instanceof PromptTooLongError ? new RequestError(400, err.message) : new RequestError(500, `generation failed: ${err.message}`);
      });
      sendJson(res, 200, {
        id: `chatcmpl-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: o.modelName,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
      });
    } catch (err) {
      const status = err instanceof RequestError ? err.status : 500;
      sendJson(res, status, { error: { message: (err as Error).message, code: status } }, !req.complete);
    }
  }
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n{"error":{"message":"malformed HTTP request"}}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
