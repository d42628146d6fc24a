/**
 * Useful/noisy labels for collected (query, document) pairs, pluggable as in the paper's two versions:
 * - `oracle`: the micro world knows whether a document states the fact the query asks for (the stand-in
 *   for the v2/v3 LLM judge, which asks exactly that question);
 * - `trajectory` (paper v1): documents from trajectories that ended correct are useful, the rest noisy;
 * - `judge`: an LLM behind any OpenAI-compatible API is asked whether the document answers the query.
 */
import { chatCompletion, RemoteGeneratorOptions } from './engine';
import { mapWithConcurrency } from '../util';
import { indexWorld } from '../world';
import type { World } from '../world';
import type { CollectedPair } from './collect';

export type LabelName = 'oracle' | 'trajectory' | 'judge';

/** true = useful. */
export type Labeller = (pairs: readonly CollectedPair[]) => Promise<boolean[]>;

export function oracleLabeller(world: World): Labeller {
  const index = indexWorld(world);
  return async (pairs) =>
    pairs.map((p) => {
      if (!p.doc.id) throw new Error(`oracle labels: pair for query ${JSON.stringify(p.query)} has a document without id (oracle needs world document ids)`);
      return index.document(p.doc.id).factIds.includes(p.intentFactId);
    });
}

export const trajectoryLabeller: Labeller = async (pairs) => pairs.map((p) => p.trajectoryCorrect);

/** The judge prompt (the paper's criterion: does the document contain enough information to answer the query). */
export function judgePrompt(query: string, doc: string): string {
  return [
    'You are judging search results.',
    `Query: ${query}`,
    `Document: ${doc}`,
    'Does the document contain enough information to answer the query? Reply with only "yes" or "no".',
  ].join('\n');
}

/** Read the judge's verdict: the first yes/no word decides; anything else is an error naming the reply. */
export function parseVerdict(reply: string): boolean {
  const m = /\b(yes|no)\b/i.exec(reply);
  if (!m) throw new Error(`judge reply ${JSON.stringify(reply.slice(0, 100))} contains neither "yes" nor "no"`);
  return m[1].toLowerCase() === 'yes';
}

/** Works on any pairs with a query and a document (micro-world or real collection). */
export function judgeLabeller(api: RemoteGeneratorOptions): (pairs: ReadonlyArray<Pick<CollectedPair, 'query' | 'doc'>>) => Promise<boolean[]> {
  return (pairs) =>
    mapWithConcurrency(pairs, api.concurrency ?? 8, async (p) => {
      const doc = p.doc.title ? `${p.doc.title} ${p.doc.text}` : p.doc.text;
      return parseVerdict(await chatCompletion(api, judgePrompt(p.query, doc), { temperature: 0, maxTokens: 8 }));
    });
}

export function makeLabeller(name: LabelName, world: World, judge?: RemoteGeneratorOptions): Labeller {
  if (name === 'oracle') return oracleLabeller(world);
  if (name === 'trajectory') return trajectoryLabeller;
  if (name === 'judge') {
    if (!judge) throw new Error('labels: "judge" needs the judge API options {baseUrl, apiKey?, model?}');
    return judgeLabeller(judge);
  }
  throw new Error(`labels: unknown labeller ${JSON.stringify(name)} (expected oracle, trajectory or judge)`);
}
