/**
 * `zerosearch serve-simulator --model <ckpt> --port 6001`: serve a simulator checkpoint (the kit's SFT
 * simulator, or any Qwen2/LLaMA HF folder with its tokenizer) over the OpenAI chat API, so ZeroSearch's
 * trainer (`retriever.llm_ip`) or the kit's RemoteGenerator can use it. Loopback only unless --host says
 * otherwise; set an API key with --api-key or ZS_SIMULATOR_API_KEY.
 */
import type { Command } from 'commander';
import { loadHfModel } from '../model';
import { LocalGenerator } from '../simulator/engine';
import { serveSimulator } from '../simulator';
import { initBackend } from '../tensor';
import { loadTokenizer } from '../text';
import { parseNumber, secretFlag } from './options';

export function register(program: Command): void {
  program
    .command('serve-simulator')
    .description('serve a simulator checkpoint over the OpenAI-compatible /v1/chat/completions API')
    .requiredOption('--model <dir>', 'HF-layout checkpoint folder (config.json + model.safetensors + tokenizer)')
    .option('--port <n>', 'port (ZeroSearch uses 6001; 0 picks a free one)', '6001')
    .option('--host <addr>', 'bind address (default loopback only)', '127.0.0.1')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" (default: $ZS_SIMULATOR_API_KEY, else none)')
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for', '1024')
    .option('--max-batch <n>', 'requests generated together', '16')
    .option('--name <id>', 'model id reported by /v1/models', 'zerosearch-simulator')
    .action(async (opts: { model: string; port: string; host: string; apiKey?: string; maxTokens: string; maxBatch: string; name: string }) => {
      const apiKey = secretFlag('--api-key', opts.apiKey, 'ZS_SIMULATOR_API_KEY');
      const port = parseNumber('--port', opts.port, { integer: true, min: 0, max: 65535 });
      const maxTokens = parseNumber('--max-tokens', opts.maxTokens, { integer: true, min: 1 });
      const maxBatch = parseNumber('--max-batch', opts.maxBatch, { integer: true, min: 1 });
      await initBackend();
      const model = loadHfModel(opts.model);
      const tokenizer = loadTokenizer(opts.model);
      const server = await serveSimulator(new LocalGenerator(model, tokenizer, { batchSize: maxBatch }), {
        host: opts.host,
        port,
        apiKey,
        maxTokens,
        maxBatch,
        modelName: opts.name,
      });
      process.stderr.write(`serving ${opts.model} at ${server.url}/v1/chat/completions (Ctrl-C to stop)\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
