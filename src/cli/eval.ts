/**
 * `zerosearch eval`: greedy evaluation of a policy on QA JSONL files, through the same rollout as
 * training; every row, per-row predictions + trajectories as JSONL (resumable), scores per dataset.
 *
 *   zerosearch eval --policy runs/q/seed-1/rl/zerosearch/policy --engine bm25 \
 *     --corpus runs/q/seed-1/world/corpus.jsonl --data runs/q/seed-1/world/micro-nq/test.jsonl --out out/zs
 *
 * Writes <out>/predictions.jsonl (one record per row) and <out>/scores.json; prints the scores as JSON.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { loadQaJsonl } from '../data/qa';
import { openSearchEngine } from '../search/open';
import { LocalGenerator, SimulatedSearchEngine } from '../search/simulated';
import type { SearchEngine } from '../search/types';
import { initBackend } from '../tensor';
import { writeJsonAtomic } from '../util';
import { evaluatePolicy, EvalRow } from '../eval/evaluate';
import { directPrompt, ragPrompts } from '../eval/baselines';
import { loadPolicy } from '../eval/load';
import { DEFAULT_TRAINER_CONFIG } from '../rl/trainer';

interface EvalCliOptions {
  policy: string; tokenizer?: string; engine: string; corpus?: string; data: string[]; out: string; limit?: number;
  batchSize: number; maxTurns: number; maxTurnTokens: number; maxObsTokens: number; maxContext: number; topk: number;
  method: 'search' | 'direct' | 'rag'; ragTopk: number; simulatorStyle: 'sft' | 'prompt'; noise: number; cache?: string; seed: number;
}

const int = (v: string) => parseInt(v, 10);

/** `bm25` (needs --corpus), `retriever:<url>`, `serpapi`, `simulated:<checkpoint dir>`, or `none`. */
function openEngine(o: EvalCliOptions): SearchEngine | null {
  const spec = o.engine;
  if (spec === 'none') return null;
  if (spec === 'bm25') {
    if (!o.corpus) throw new Error('--engine bm25 needs --corpus <jsonl>');
    return openSearchEngine({ corpus: o.corpus, cacheFile: o.cache });
  }
  if (spec.startsWith('retriever:')) return openSearchEngine({ retrieverUrl: spec.slice('retriever:'.length), cacheFile: o.cache });
  if (spec === 'serpapi') return openSearchEngine({ serpapi: true, cacheFile: o.cache });
  if (spec.startsWith('simulated:')) {
    const sim = loadPolicy(spec.slice('simulated:'.length));
    return new SimulatedSearchEngine({
      generator: new LocalGenerator(sim.model, sim.tokenizer, { batchSize: o.batchSize }), promptStyle: o.simulatorStyle,
      noiseProbability: o.noise, seed: o.seed, maxTokens: 50 * o.topk,
    });
  }
  throw new Error(`--engine ${spec}: expected bm25, retriever:<url>, serpapi, simulated:<checkpoint dir> or none`);
}

export function register(program: Command): void {
  const d = DEFAULT_TRAINER_CONFIG.rollout;
  program
    .command('eval')
    .description('greedy evaluation of a policy on QA JSONL files (EM, cover-EM, F1 per dataset and averaged)')
    .requiredOption('--policy <dir>', 'policy checkpoint (kit checkpoint or Hugging Face folder)')
    .option('--tokenizer <dir>', 'tokenizer folder (default: the policy folder or a parent holding one)')
    .requiredOption('--engine <spec>', 'bm25 | retriever:<url> | serpapi | simulated:<checkpoint dir> | none')
    .option('--corpus <jsonl>', 'corpus for --engine bm25 ({id,title,text} or {id,contents})')
    .requiredOption('--data <jsonl...>', 'QA files ({id, question, golden_answers[]}); data_source defaults to the folder name')
    .requiredOption('--out <dir>', 'writes predictions.jsonl and scores.json here (an existing predictions.jsonl is resumed)')
    .option('--limit <n>', 'rows per file', int)
    .option('--method <name>', 'search (the policy searches) | direct (answer without search) | rag (top-k docs for the question in the prompt, then answer)', 'search')
    .option('--rag-topk <n>', 'documents in the RAG prompt', int, 3)
    .option('--batch-size <n>', 'rows per rollout batch', int, 32)
    .option('--max-turns <n>', 'search turns before the final answer turn', int, d.maxTurns)
    .option('--max-turn-tokens <n>', 'tokens per policy turn', int, d.maxTurnTokens)
    .option('--max-obs-tokens <n>', 'observation tokens kept', int, d.maxObsTokens)
    .option('--max-context <n>', 'trajectory token limit', int, d.maxContextTokens)
    .option('--topk <n>', 'documents per search', int, d.topk)
    .option('--simulator-style <style>', 'sft | prompt (for --engine simulated:…)', 'sft')
    .option('--noise <p>', 'noise probability of a simulated engine', parseFloat, 0)
    .option('--cache <jsonl>', 'record/replay searches of an HTTP or BM25 engine in this file')
    .option('--seed <n>', 'seed of a simulated engine', int, 0)
    .action(async (o: EvalCliOptions) => {
      if (!['search', 'direct', 'rag'].includes(o.method)) throw new Error(`--method ${o.method}: expected search, direct or rag`);
      await initBackend();
      const { model, tokenizer } = loadPolicy(o.policy, o.tokenizer);
      const rows: EvalRow[] = o.data.flatMap((file) => loadQaJsonl(file, { limit: o.limit }));
      const engine = openEngine(o);
      let rollout = { maxTurns: o.maxTurns, maxTurnTokens: o.maxTurnTokens, maxObsTokens: o.maxObsTokens, maxContextTokens: o.maxContext, topk: o.topk };
      if (o.method === 'direct') rollout = Object.assign(rollout, { maxTurns: 0, prompt: directPrompt });
      if (o.method === 'rag') {
        if (!engine) throw new Error('--method rag needs an engine');
        rollout = Object.assign(rollout, { maxTurns: 0, prompt: await ragPrompts(rows, engine, o.ragTopk) });
      }
      const report = await evaluatePolicy(model, tokenizer, rows, o.method === 'search' ? engine : null, {
        batchSize: o.batchSize, rollout, predictionsFile: path.join(o.out, 'predictions.jsonl'), label: `eval ${path.basename(o.policy)}`,
      });
      const { records: _records, ...scores } = report;
      const out = { policy: o.policy, engine: o.engine, method: o.method, rows: rows.length, ...scores };
      writeJsonAtomic(path.join(o.out, 'scores.json'), out);
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    });
}
