/**
 * A policy answering questions with a search engine, as the simulator's SFT-data collection needs it (spec §4.4:
 * the paper ran Qwen2.5-7B-Instruct against Google): per question, its search calls with the documents returned
 * and its final answer. Two kinds of policy:
 * - local: a kit / HF checkpoint through the training rollout (same template, turns and parsing);
 * - chat: an OpenAI-compatible server (vLLM, sglang) holding the conversation as one growing assistant message,
 *   continued turn by turn with vLLM's `continue_final_message` (the same text protocol as the rollout).
 */
import type { Doc, SearchEngine, SearchOptions } from '../search/types';
import { renderDocs, NO_INFORMATION_DOC } from '../search/types';
import { requestJson } from '../search/http';
import { exactMatch } from '../text/metrics';
import type { Tokenizer } from '../text';
import type { AgentRun } from '../simulator/collect-real';
import { rollout, PolicyModel, RolloutOptions, RolloutQuestion } from './rollout';
import { cutAtAction, extractResponseAnswer, parseAction } from './actions';
import { observationFor } from './observation';
import { policyPrompt } from './template';

type Question = RolloutQuestion & { golden_answers: string[] };

const correct = (answer: string | null, golds: string[]) => answer !== null && exactMatch(answer, golds) === 1;

/** Local policy: one rollout per question; the engine's answers are recorded per question, in call order. */
export async function runLocalAgent(
  policy: PolicyModel,
  tokenizer: Tokenizer,
  questions: readonly Question[],
  engine: SearchEngine,
  opts: RolloutOptions,
): Promise<AgentRun[]> {
  const calls: Array<Array<{ query: string; docs: Doc[] }>> = questions.map(() => []);
  const byQuestion = new Map(questions.map((q, i) => [q.question, i]));
  if (byQuestion.size !== questions.length) throw new Error('runLocalAgent: questions must be distinct (calls are matched by question)');
  const recorder: SearchEngine = {
    name: engine.name,
    async search(queries: string[], o: SearchOptions & { context?: Array<{ question: string }> }) {
      const docs = await engine.search(queries, o);
      queries.forEach((query, i) => calls[byQuestion.get(o.context![i].question)!].push({ query, docs: docs[i] }));
      return docs;
    },
  };
  const trajs = await rollout(policy, tokenizer, questions, recorder, opts);
  return trajs.map((t, i) => ({ answer: t.answer, correct: correct(t.answer, questions[i].golden_answers), calls: calls[i] }));
}

export interface ChatAgentOptions {
  /** Server root, e.g. http://127.0.0.1:8000 (`/v1/chat/completions` is appended). */
  baseUrl: string;
  model?: string;
  apiKey?: string;
  maxTurns?: number;
  maxTurnTokens?: number;
  topk?: number;
  temperature?: number;
  timeoutMs?: number;
}

/** Chat policy: turn by turn, the assistant message so far is continued; searches go to `engine`. */
export async function runChatAgent(questions: readonly Question[], engine: SearchEngine, o: ChatAgentOptions): Promise<AgentRun[]> {
  const base = o.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const runs: AgentRun[] = [];
  for (const q of questions) {
    let transcript = '';
    const calls: AgentRun['calls'] = [];
    for (let turn = 0; turn <= (o.maxTurns ?? 5); turn++) {
      const text = cutAtAction(
        await requestJson(
          {
            url: `${base}/v1/chat/completions`,
            label: `policy chat at ${base}`,
            method: 'POST',
            headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
            body: {
              model: o.model ?? '',
              max_tokens: o.maxTurnTokens ?? 500,
              temperature: o.temperature ?? 0,
              messages: [{ role: 'user', content: policyPrompt(q.question) }, ...(transcript ? [{ role: 'assistant', content: transcript }] : [])],
              ...(transcript && { continue_final_message: true, add_generation_prompt: false }),
            },
          },
          { timeoutMs: o.timeoutMs ?? 120_000 },
          (json) => {
            const content = (json as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message?.content;
            if (typeof content !== 'string') throw new Error('expected {"choices": [{"message": {"content": string}}]}');
            return content;
          },
        ),
      );
      transcript += text;
      const action = parseAction(text);
      if (action.kind === 'answer' || turn === (o.maxTurns ?? 5)) break;
      let docs: Doc[] = [];
      if (action.kind === 'search') {
        docs = (await engine.search([action.content], { topk: o.topk ?? 5 }))[0];
        calls.push({ query: action.content, docs });
      }
      transcript += observationFor(action, renderDocs(docs.length ? docs : [NO_INFORMATION_DOC])).observation;
    }
    const answer = extractResponseAnswer(transcript);
    runs.push({ answer, correct: correct(answer, q.golden_answers), calls });
  }
  return runs;
}
