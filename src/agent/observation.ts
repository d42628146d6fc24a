/**
 * What the environment appends after each policy turn (`execute_predictions` in ZeroSearch
 * `llm_agent/generation.py`). Every character returned here is environment text: the rollout marks its
 * tokens with loss-mask 0 (spec §7: the `<information>` block *and* the invalid-action message).
 */
import type { Action } from './actions';
import { INVALID_ACTION_MESSAGE } from './template';

/** A retrieved document as the renderers need it (title optional: simulated documents have none). */
export interface DocText {
  title?: string;
  text: string;
}

/**
 * Render documents for the `<information>` block.
 * - `zerosearch` (Google / simulator path): title and snippet concatenated with no separator,
 *   `Doc {i}: {text}` lines joined by `\n`.
 * - `search-r1` (local retriever): `Doc {i}(Title: {title}) {text}\n` per document.
 */
export function formatDocuments(docs: DocText[], style: 'zerosearch' | 'search-r1' = 'zerosearch'): string {
  if (!Array.isArray(docs)) throw new Error(`docs: expected an array of {title?, text}, got ${typeof docs}`);
  docs.forEach((d, i) => {
    if (!d || typeof d.text !== 'string') throw new Error(`docs[${i}].text: expected a string`);
  });
  if (style === 'zerosearch') return docs.map((d, i) => `Doc ${i + 1}: ${d.title ?? ''}${d.text}`).join('\n');
  return docs.map((d, i) => `Doc ${i + 1}(Title: ${d.title ?? ''}) ${d.text}\n`).join('');
}

/** What a failed search call returns in place of documents (ZeroSearch's search helpers). */
export const NO_INFORMATION = 'No information available';

/** The search observation: `'\n\n<information>' + docs.strip() + '</information>\n\n'`. */
export function informationBlock(docsText: string): string {
  return `\n\n<information>${docsText.trim()}</information>\n\n`;
}

/**
 * The environment's reply to one action and whether the trajectory ends.
 * `answer` ⇒ done, empty observation; `search` ⇒ the information block built from `docsText`
 * (required); `invalid` ⇒ INVALID_ACTION_MESSAGE, not done.
 */
export function observationFor(action: Action, docsText?: string): { observation: string; done: boolean } {
  switch (action.kind) {
    case 'answer':
      return { observation: '', done: true };
    case 'search':
      if (docsText === undefined) throw new Error('docsText: a search action needs the search results text');
      return { observation: informationBlock(docsText), done: false };
    case 'invalid':
      return { observation: INVALID_ACTION_MESSAGE, done: false };
  }
}

/**
 * 5 documents per search as in ZeroSearch, but only the first 90 tokens of the observation are kept (the
 * `<information>` tag and about 2.5 micro-world documents): sequences stay short enough for a CPU, BM25's top
 * documents hold the hop answer for well-formed hop queries, and a simulated search writes fewer tokens.
 */
export const OBS_TOKENS = 90;
