/**
 * The non-RL baselines of the paper (§4.2) for a policy that only knows the search template.
 *
 * The paper runs Direct Answer, CoT and RAG on *instruct* models with their own prompts. The micro
 * world's base policy is not an instruct model: it was pretrained on documents and on scripted
 * trajectories in the search template (src/agent/policy-base.ts), including a "direct" style that
 * answers without searching. So each baseline is the search template with the first turn written for
 * the model, and the model completes the rest in one final turn (no action is executed):
 * - Direct Answer: the prompt ends with the scripted no-search thought `<think> i know the answer. </think>`,
 *   so the model's next move is `<answer> … </answer>` from its own knowledge;
 * - RAG: the prompt ends with a search *for the question itself* and the real engine's top-k documents
 *   in an `<information>` block (retrieve once with the question, then answer), the model answers;
 * - CoT: not run. The base policy has never seen reasoning chains; its thoughts are one scripted line,
 *   so a "think step by step" prompt measures nothing (the summary says so).
 */
import type { SearchEngine } from '../search/types';
import { renderDocs } from '../search/types';
import { policyPrompt, preprocessQuestion } from '../agent/template';
import { informationBlock } from '../agent/observation';
import type { EvalRow } from './evaluate';

/** The scripted thought that precedes an answer without searching (policy-base `answerTurn`). */
export const DIRECT_THOUGHT = '<think> i know the answer. </think>\n';

export function directPrompt(question: string): string {
  return policyPrompt(question) + DIRECT_THOUGHT;
}

/** The RAG prompt: the template, one search with the question as the query, and its documents. */
export function ragPrompt(question: string, docsText: string): string {
  const query = preprocessQuestion(question).replace(/\?$/, '').trim();
  return `${policyPrompt(question)}<think> i need to search for ${query}. </think>\n<search> ${query} </search>${informationBlock(docsText)}`;
}

/**
 * RAG prompts for every row: one batched engine call with the questions as queries (top `topk` docs).
 * Returns the prompt function the rollout takes (keyed by question text).
 */
export async function ragPrompts(rows: readonly EvalRow[], engine: SearchEngine, topk: number): Promise<(question: string) => string> {
  const questions = [...new Set(rows.map((r) => r.question))];
  const queries = questions.map((q) => preprocessQuestion(q).replace(/\?$/, '').trim());
  const docs = questions.length ? await engine.search(queries, { topk }) : [];
  const prompts = new Map(questions.map((q, i) => [q, ragPrompt(q, renderDocs(docs[i]))]));
  return (question: string) => {
    const p = prompts.get(question);
    if (p === undefined) throw new Error(`ragPrompts: no retrieved documents for question ${JSON.stringify(question)}`);
    return p;
  };
}
