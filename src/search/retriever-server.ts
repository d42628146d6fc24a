/**
 * Serve any SearchEngine over Search-R1's retriever API, so Search-R1 / ZeroSearch / veRL code (or
 * the kit's RetrieverClient) can query it:
 *
 *   POST /retrieve {"queries": [...], "topk": k, "return_scores": bool}
 *     → {"result": [[{"document": {"id", "contents"}, "score"}]]}   (return_scores: true)
 *     → {"result": [[{"id", "contents"}]]}                              (return_scores: false, Search-R1's default)
 *   POST /retrieve {"query": q, "top_k": k}   (ZeroSearch's "wiki" mode, spec §3)
 *     → [{"id", "title", "text"}]  with text = "title text", which ZeroSearch renders as `Doc i: {text}`
 *   GET /health → {"ok": true, "engine": name}
 *
 * `contents` is `"Title"\ntext` like the wiki-18 corpus. The server binds 127.0.0.1 unless told
 * otherwise, checks `Authorization: Bearer <apiKey>` on every request when a key is set, limits
 * body size and batch size, and answers every bad request with a 4xx `{"error": message}`; an
 * engine failure is a 500 with the message. Nothing a client sends can crash it.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { timingSafeEqual } from 'crypto';
import { Doc, SearchEngine, toContents } from './types';

export interface RetrieverServerOptions {
  /** Default 127.0.0.1 (loopback only). Use 0.0.0.0 deliberately, with an apiKey. */
  host?: string;
  /** 0 picks a free port (see the returned `port`). Default 8000, Search-R1's. */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Most queries in one request. Default 512. */
  maxBatch?: number;
  /** Largest topk accepted. Default 100. */
  maxTopk?: number;
  /** topk when the request gives none. Default 3 (Search-R1's retrieval_topk). */
  defaultTopk?: number;
}

export interface RunningRetriever {
  /** e.g. http://127.0.0.1:8000/retrieve: what RetrieverClient and Search-R1's `retriever.url` take. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
    ...(close && { connection: 'close' }),
  });
  res.end(data);
}

/** Read the body up to `limit` bytes; past it, throw 413 (and let the rest drain unread). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new RequestError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !over) {
        over = true;
        reject(new RequestError(413, `request body exceeds the limit of ${limit} bytes`));
      }
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', (err) => reject(new RequestError(400, `reading the request failed: ${err.message}`)));
  });
}

export function checkAuth(req: http.IncomingMessage, apiKey: string | undefined): void {
  if (!apiKey) return;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(apiKey);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new RequestError(401, 'missing or wrong API key (send "Authorization: Bearer <key>")');
  }
}

function parseTopk(value: unknown, field: string, opts: Required<RetrieverServerOptions>): number {
  if (value === undefined || value === null) return opts.defaultTopk;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > opts.maxTopk) {
    throw new RequestError(400, `"${field}" must be an integer from 1 to ${opts.maxTopk}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function searchR1Document(doc: Doc, i: number): { id: string; contents: string } {
  return { id: doc.id ?? String(i), contents: toContents(doc) };
}

async function answer(body: unknown, engine: SearchEngine, opts: Required<RetrieverServerOptions>): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, 'request body must be a JSON object {"queries": [...], "topk": k}');
  }
  const b = body as Record<string, unknown>;
  if (b.queries === undefined && typeof b.query === 'string') {
    // ZeroSearch wiki mode: one query, a bare list of {text}.
    const topk = parseTopk(b.top_k, 'top_k', opts);
    const [docs] = await engine.search([b.query], { topk });
    return docs.map((d, i) => ({ id: d.id ?? String(i), ...(d.title && { title: d.title }), text: d.title ? `${d.title} ${d.text}` : d.text }));
  }
  const queries = b.queries;
  if (!Array.isArray(queries) || queries.length === 0 || !queries.every((q) => typeof q === 'string')) {
    throw new RequestError(400, '"queries" must be a non-empty array of strings');
  }
  if (queries.length > opts.maxBatch) {
    throw new RequestError(413, `batch of ${queries.length} queries exceeds the limit of ${opts.maxBatch}`);
  }
  const topk = parseTopk(b.topk, 'topk', opts);
  if (b.return_scores !== undefined && typeof b.return_scores !== 'boolean') {
    throw new RequestError(400, `"return_scores" must be a boolean, got ${JSON.stringify(b.return_scores)}`);
  }
  const results = await engine.search(queries as string[], { topk });
  const result = results.map((docs) =>
    b.return_scores ? docs.map((d, i) => ({ document: searchR1Document(d, i), score: d.score ?? 0 })) : docs.map((d, i) => searchR1Document(d, i)),
  );
  return { result };
}

/** Start serving `engine`; resolves once listening. */
export function serveRetriever(engine: SearchEngine, options: RetrieverServerOptions = {}): Promise<RunningRetriever> {
  const opts: Required<RetrieverServerOptions> = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8000,
    apiKey: options.apiKey ?? '',
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
    maxBatch: options.maxBatch ?? 512,
    maxTopk: options.maxTopk ?? 100,
    defaultTopk: options.defaultTopk ?? 3,
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => sendJson(res, 500, { error: `internal error: ${err.message}` }));
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      checkAuth(req, opts.apiKey || undefined);
      const route = (req.url ?? '').split('?')[0];
      if (route === '/health' && req.method === 'GET') return sendJson(res, 200, { ok: true, engine: engine.name ?? 'unnamed' });
      if (route !== '/retrieve') throw new RequestError(404, `no route ${req.method} ${route}; use POST /retrieve`);
      if (req.method !== 'POST') throw new RequestError(405, `use POST /retrieve, not ${req.method}`);
      const text = await readBody(req, opts.maxBodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new RequestError(400, `request body is not valid JSON (${(err as Error).message})`);
      }
      let reply: unknown;
      try {
        reply = await answer(body, engine, opts);
      } catch (err) {
        if (err instanceof RequestError) throw err;
        throw new RequestError(500, `search failed: ${(err as Error).message}`);
      }
      sendJson(res, 200, reply);
    } catch (err) {
      const status = err instanceof RequestError ? err.status : 500;
      // A request rejected before its body was read closes the connection, so no stray body bytes are
      // taken for the next request.
      sendJson(res, status, { error: (err as Error).message }, !req.complete);
    }
  }
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n{"error":"malformed HTTP request"}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${hostForUrl}:${port}/retrieve`,
        host: opts.host,
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
