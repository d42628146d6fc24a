/**
 * `zerosearch simulator collect`: the simulator's SFT data from real questions and a real engine (spec §4.4).
 *
 *   zerosearch simulator collect --policy http://127.0.0.1:8000 --data nq_hotpotqa_train.parquet \
 *     --engine serpapi --max-questions 2000 --labels judge --judge-url http://127.0.0.1:8001 --out sim-data
 *
 * Writes <out>/pairs.jsonl (every (query, document) pair with question, gold answers, trajectory answer and
 * outcome, label), <out>/sft-examples.jsonl (what `simulator finetune --examples` reads, balanced) and
 * <out>/counts.json; prints the counts.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { initBackend } from '../tensor';
import { Rng, writeJsonAtomic, writeJsonl } from '../util';
import { loadQaFiles } from '../data/qa-files';
import { loadPolicy } from '../eval/load';
import { policyPromptFormat, PolicyTemplate } from '../agent/policy-template';
import { runChatAgent, runLocalAgent } from '../agent/search-agent';
import { buildRealSftExamples, judgeLabeller, pairsFromRuns, trajectoryLabels } from '../simulator';
import type { AgentRun } from '../simulator';
import { ENGINE_SPECS, openEngineFlag } from './engine-spec';
import { parseNumber } from './options';

interface CollectOpts {
  policy: string;
  tokenizer?: string;
  data: string[];
  engine: string;
  corpus?: string;
  cache?: string;
  out: string;
  maxQuestions: string;
  seed: string;
  template: string;
  maxTurns: string;
  maxTurnTokens: string;
  maxObsTokens: string;
  topk: string;
  temperature: string;
  batchSize: string;
  labels: string;
  judgeUrl?: string;
  judgeModel?: string;
  policyModel?: string;
}

export function registerCollect(sim: Command): void {
  sim
    .command('collect')
    .description('SFT data for the simulator: a policy answers training questions with a real engine; (query, document) pairs labelled and balanced')
    .requiredOption('--policy <dir or url>', 'HF / kit policy folder, or an OpenAI-compatible chat server URL (e.g. vLLM serving Qwen2.5-7B-Instruct)')
    .option('--tokenizer <dir>', 'tokenizer folder of a local policy (default: the policy folder)')
    .requiredOption('--data <files...>', 'training QA files (JSONL or Search-R1 parquet)')
    .requiredOption('--engine <spec>', `the real engine: ${ENGINE_SPECS}`)
    .option('--corpus <jsonl>', 'corpus for a bare --engine bm25')
    .option('--cache <jsonl>', "record/replay the engine's searches")
    .requiredOption('--out <dir>', 'writes pairs.jsonl, sft-examples.jsonl, counts.json')
    .option('--max-questions <n>', 'a seeded sample of this many questions', '1000')
    .option('--seed <n>', 'seed of the sample, the rollouts and the balancing', '1')
    .option('--template <name>', 'policy prompt of a local policy: auto | base | qwen-chat | llama3-chat', 'auto')
    .option('--max-turns <n>', 'search turns before the final answer', '5')
    .option('--max-turn-tokens <n>', 'tokens per policy turn', '500')
    .option('--max-obs-tokens <n>', 'observation tokens kept (local policy)', '2048')
    .option('--topk <n>', 'documents per search', '5')
    .option('--temperature <x>', 'policy sampling temperature', '1')
    .option('--batch-size <n>', 'questions rolled out together (local policy)', '16')
    .option('--labels <name>', 'trajectory (paper v1: pairs of correct trajectories are useful) | judge (v2/v3: an LLM decides per document)', 'trajectory')
    .option('--judge-url <url>', 'OpenAI-compatible judge server for --labels judge (key: $ZS_JUDGE_API_KEY)')
    .option('--judge-model <name>', 'model name sent to the judge')
    .option('--policy-model <name>', 'model name sent to a chat policy server (key: $ZS_POLICY_API_KEY)')
    .action(async (o: CollectOpts) => {
      if (!['trajectory', 'judge'].includes(o.labels)) throw new Error(`--labels ${o.labels}: expected trajectory or judge`);
      if (o.labels === 'judge' && !o.judgeUrl) throw new Error('--labels judge needs --judge-url (an OpenAI-compatible server)');
      const int = (flag: string, v: string, min = 1) => parseNumber(flag, v, { integer: true, min });
      const seed = int('--seed', o.seed, 0);
      const topk = int('--topk', o.topk);
      const rollout = {
        maxTurns: int('--max-turns', o.maxTurns, 0),
        maxTurnTokens: int('--max-turn-tokens', o.maxTurnTokens),
        maxObsTokens: int('--max-obs-tokens', o.maxObsTokens),
        topk,
        temperature: parseNumber('--temperature', o.temperature, { min: 0 }),
      };
      const all = await loadQaFiles(o.data);
      // One trajectory per distinct question (calls are matched to questions by their text).
      const distinct = [...new Map(all.map((r) => [r.question, r])).values()];
      const questions = new Rng(`${seed}:collect-questions`).shuffle(distinct).slice(0, int('--max-questions', o.maxQuestions));
      const engine = openEngineFlag({ engine: o.engine, corpus: o.corpus, cache: o.cache, seed, topk });
      if (!engine) throw new Error('--engine none: collection needs a real engine');
      let runs: AgentRun[] = [];
      if (/^https?:\/\//.test(o.policy)) {
        runs = await runChatAgent(questions, engine, { baseUrl: o.policy, model: o.policyModel, apiKey: process.env.ZS_POLICY_API_KEY, ...rollout });
      } else {
        await initBackend();
        const { model, tokenizer } = loadPolicy(o.policy, o.tokenizer);
        const format = policyPromptFormat(tokenizer, o.template as PolicyTemplate | 'auto');
        const batch = int('--batch-size', o.batchSize);
        for (let s = 0; s < questions.length; s += batch) {
          runs.push(
            ...(await runLocalAgent(model, tokenizer, questions.slice(s, s + batch), engine, {
              ...rollout,
              seed: seed + s,
              maxContextTokens: model.config.maxPositions,
              prompt: format.prompt,
              stopTokenIds: format.stopTokenIds,
            })),
          );
        }
      }
      const pairs = pairsFromRuns(questions, runs);
      const labels =
        o.labels === 'judge'
          ? await judgeLabeller({ baseUrl: o.judgeUrl!, model: o.judgeModel, apiKey: process.env.ZS_JUDGE_API_KEY })(pairs)
          : trajectoryLabels(pairs);
      const { examples, counts } = buildRealSftExamples(pairs, labels, { topk, seed });
      writeJsonl(
        path.join(o.out, 'pairs.jsonl'),
        pairs.map((p, i) => ({ ...p, label: labels[i] ? 'useful' : 'noisy' })),
      );
      writeJsonl(path.join(o.out, 'sft-examples.jsonl'), examples);
      writeJsonAtomic(path.join(o.out, 'counts.json'), { ...counts, trajectories: runs.length, labels: o.labels });
      process.stdout.write(JSON.stringify({ ...counts, trajectories: runs.length, labels: o.labels }) + '\n');
    });
}
