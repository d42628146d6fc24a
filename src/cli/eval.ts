/**
 * `zerosearch eval`: greedy evaluation of a policy on QA JSONL files, through the same rollout as
 * training; every row, per-row predictions + trajectories as JSONL (resumable), scores per dataset.
 *
 *   zerosearch eval --policy results/quick/seed-1/rl/zerosearch/policy --tokenizer results/quick/seed-1/policy-base \
 *     --engine bm25 --corpus results/quick/seed-1/world/corpus.jsonl --data results/quick/seed-1/world/micro-nq/test.jsonl --out out/zs
 *
 * (An RL policy's word tokenizer sits with the policy base, not in a parent folder: hence --tokenizer.)
 *
 * Writes <out>/predictions.jsonl (one record per row) and <out>/scores.json; prints the scores as JSON.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { loadQaFiles } from '../data/qa-files';
import { policyPromptFormat, POLICY_TEMPLATES, PolicyTemplate } from '../agent/policy-template';
import { ENGINE_SPECS, openEngineFlag } from './engine-spec';
import { initBackend } from '../tensor';
import { writeJsonAtomic } from '../util';
import { evaluatePolicy, EvalRow } from '../eval/evaluate';
import { directPrompt, ragPrompts } from '../eval/baselines';
import { loadPolicy } from '../eval/load';
import { DEFAULT_TRAINER_CONFIG } from '../rl/trainer';
import { addRetryFlags, numberFlag, retryOptions } from './options';

interface EvalCliOptions {
  policy: string;
  tokenizer?: string;
  engine: string;
  corpus?: string;
  data: string[];
  out: string;
  limit?: number;
  batchSize: number;
  maxTurns: number;
  maxTurnTokens: number;
  maxObsTokens: number;
  maxContext: number;
  topk: number;
  method: 'search' | 'direct' | 'rag';
  ragTopk: number;
  simulatorStyle: 'sft' | 'prompt';
  noise: number;
  cache?: string;
  seed: number;
  template: PolicyTemplate | 'auto';
  timeout?: number;
  retries?: number;
}

export function register(program: Command): void {
  const d = DEFAULT_TRAINER_CONFIG.rollout;
  addRetryFlags(program.command('eval'))
    .description('greedy evaluation of a policy on QA JSONL files (EM, cover-EM, F1 per dataset and averaged)')
    .requiredOption('--policy <dir>', 'policy checkpoint (kit checkpoint or Hugging Face folder)')
    .option('--tokenizer <dir>', 'tokenizer folder (default: the policy folder or a parent holding one)')
    .requiredOption('--engine <spec>', ENGINE_SPECS)
    .option('--corpus <jsonl>', 'corpus for --engine bm25 ({id,title,text} or {id,contents})')
    .requiredOption('--data <files...>', 'QA files: JSONL ({id, question, golden_answers[]}; data_source defaults to the folder name) or Search-R1 parquet')
    .option('--template <name>', `policy prompt: auto (the tokenizer_config's chat template, else base) | ${POLICY_TEMPLATES.join(' | ')}`, 'auto')
    .requiredOption('--out <dir>', 'writes predictions.jsonl and scores.json here (an existing predictions.jsonl is resumed)')
    .option('--limit <n>', 'rows per file', numberFlag('--limit', { integer: true, min: 1 }))
    .option(
      '--method <name>',
      'search (the policy searches) | direct (answer without search) | rag (top-k docs for the question in the prompt, then answer)',
      'search',
    )
    .option('--rag-topk <n>', 'documents in the RAG prompt', numberFlag('--rag-topk', { integer: true, min: 1 }), 3)
    .option('--batch-size <n>', 'rows per rollout batch', numberFlag('--batch-size', { integer: true, min: 1 }), 32)
    .option('--max-turns <n>', 'search turns before the final answer turn', numberFlag('--max-turns', { integer: true, min: 0 }), d.maxTurns)
    .option('--max-turn-tokens <n>', 'tokens per policy turn', numberFlag('--max-turn-tokens', { integer: true, min: 1 }), d.maxTurnTokens)
    .option('--max-obs-tokens <n>', 'observation tokens kept', numberFlag('--max-obs-tokens', { integer: true, min: 1 }), d.maxObsTokens)
    .option('--max-context <n>', 'trajectory token limit', numberFlag('--max-context', { integer: true, min: 1 }), d.maxContextTokens)
    .option('--topk <n>', 'documents per search', numberFlag('--topk', { integer: true, min: 1 }), d.topk)
    .option('--simulator-style <style>', 'sft | prompt (for --engine simulated:…)', 'sft')
    .option('--noise <p>', 'noise probability of a simulated engine', numberFlag('--noise', { min: 0, max: 1 }), 0)
    .option('--cache <jsonl>', 'record/replay searches of an HTTP or BM25 engine in this file')
    .option('--seed <n>', 'seed of a simulated engine', numberFlag('--seed', { integer: true }), 0)
    .action(async (o: EvalCliOptions, command: Command) => {
      if (!['search', 'direct', 'rag'].includes(o.method)) throw new Error(`--method ${o.method}: expected search, direct or rag`);
      if (!['sft', 'prompt'].includes(o.simulatorStyle)) throw new Error(`--simulator-style ${o.simulatorStyle}: expected sft or prompt`);
      await initBackend();
      const { model, tokenizer } = loadPolicy(o.policy, o.tokenizer);
      // A trajectory longer than the policy's positions would run past what RoPE was trained on: an explicit
      // --max-context beyond them is refused, the default is cut to them.
      if (o.maxContext > model.config.maxPositions) {
        if (command.getOptionValueSource('maxContext') !== 'default')
          throw new Error(`--max-context ${o.maxContext}: the policy has ${model.config.maxPositions} positions`);
        o.maxContext = model.config.maxPositions;
      }
      const rows: EvalRow[] = await loadQaFiles(o.data, { limit: o.limit });
      const engine = openEngineFlag({ ...o, maxTokens: 50 * o.topk, retry: retryOptions(o) });
      await engine?.check?.(); // an unreachable engine fails now, even if the policy never searches
      const format = policyPromptFormat(tokenizer, o.template);
      let rollout = {
        maxTurns: o.maxTurns,
        maxTurnTokens: o.maxTurnTokens,
        maxObsTokens: o.maxObsTokens,
        maxContextTokens: o.maxContext,
        topk: o.topk,
        prompt: format.prompt,
        stopTokenIds: format.stopTokenIds,
      };
      if (o.method === 'direct') rollout = Object.assign(rollout, { maxTurns: 0, prompt: directPrompt });
      if (o.method === 'rag') {
        if (!engine) throw new Error('--method rag needs an engine');
        rollout = Object.assign(rollout, { maxTurns: 0, prompt: await ragPrompts(rows, engine, o.ragTopk) });
      }
      const report = await evaluatePolicy(model, tokenizer, rows, o.method === 'search' ? engine : null, {
        batchSize: o.batchSize,
        rollout,
        predictionsFile: path.join(o.out, 'predictions.jsonl'),
        label: `eval ${path.basename(o.policy)}`,
      });
      const { records: _records, ...scores } = report;
      const out = { policy: o.policy, engine: o.engine, method: o.method, template: format.template, rows: rows.length, ...scores };
      writeJsonAtomic(path.join(o.out, 'scores.json'), out);
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    });
}
