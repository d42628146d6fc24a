/**
 * `zerosearch serve-retriever --corpus passages.jsonl --port 8000`: serve BM25 over a corpus with
 * Search-R1's retriever API (POST /retrieve {queries, topk, return_scores}; ZeroSearch's wiki-mode
 * {query, top_k} too), so Search-R1 / ZeroSearch code, or `zerosearch search --retriever`, can use
 * it. Binds 127.0.0.1 unless --host says otherwise; --api-key (or ZS_RETRIEVER_API_KEY) makes every
 * request need `Authorization: Bearer <key>`. Runs until interrupted.
 */
import type { Command } from 'commander';
import { Bm25Engine, serveRetriever } from '../search';
import { parseNumber, secretFlag } from './options';

interface ServeOptions {
  corpus: string;
  port: string;
  host: string;
  apiKey?: string;
  indexDir?: string;
  maxBatch: string;
  maxBodyBytes: string;
}

export function register(program: Command): void {
  program
    .command('serve-retriever')
    .description('serve BM25 over a corpus with the Search-R1 retriever HTTP API')
    .requiredOption('--corpus <jsonl>', 'passages, {id, title, text} or {id, contents} per line')
    .option('--port <port>', 'TCP port (0 = any free port)', '8000')
    .option('--host <host>', 'address to bind; 0.0.0.0 exposes it to the network', '127.0.0.1')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" (default: $ZS_RETRIEVER_API_KEY)')
    .option('--index-dir <dir>', 'keep the BM25 index here and reuse it while the corpus is unchanged')
    .option('--max-batch <n>', 'most queries per request', '512')
    .option('--max-body-bytes <n>', 'largest request body', String(1 << 20))
    .action(async (opts: ServeOptions) => {
      const apiKey = secretFlag('--api-key', opts.apiKey, 'ZS_RETRIEVER_API_KEY');
      const limits = {
        port: parseNumber('--port', opts.port, { integer: true, min: 0, max: 65535 }),
        maxBatch: parseNumber('--max-batch', opts.maxBatch, { integer: true, min: 1 }),
        maxBodyBytes: parseNumber('--max-body-bytes', opts.maxBodyBytes, { integer: true, min: 1 }),
      };
      const started = Date.now();
      const engine = Bm25Engine.fromCorpusFile(opts.corpus, { indexDir: opts.indexDir });
      const server = await serveRetriever(engine, { host: opts.host, apiKey, ...limits });
      const loopback = ['127.0.0.1', 'localhost', '::1'].includes(opts.host);
      if (!loopback && !apiKey) process.stderr.write(`warning: serving on ${opts.host} without an API key: anyone who can reach it can query it\n`);
      process.stderr.write(
        `retriever: ${engine.docs.length} passages (${engine.name}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s), ` +
          `listening on ${server.url}${apiKey ? ' (API key required)' : ''}\n`,
      );
      const stop = () => {
        process.stderr.write('retriever: shutting down\n');
        server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
