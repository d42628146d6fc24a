/**
 * Reading the policy's text: where a turn ends, which action it took, and what the final answer is.
 * Semantics follow ZeroSearch `llm_agent/generation.py` (`_postprocess_responses`, `postprocess_predictions`)
 * and `verl/utils/reward_score/qa_em.py::extract_solution`, including their quirks, which are documented
 * and tested rather than fixed, so a trained policy sees the same environment as the paper's.
 */

export type ActionKind = 'search' | 'answer' | 'invalid';

export interface Action {
  kind: ActionKind;
  /** Tag content, trimmed; '' for an invalid action. */
  content: string;
}

/** `r'<(search|answer)>(.*?)</\1>'` with DOTALL: the leftmost complete search or answer tag. */
const ACTION_PATTERN = /<(search|answer)>(.*?)<\/\1>/s;
const ANSWER_PATTERN = /<answer>(.*?)<\/answer>/gs;

/**
 * The action of one turn: the first complete `<search>…</search>` or `<answer>…</answer>` (whichever
 * *starts* first), content trimmed. No complete tag ⇒ `invalid` (the environment then replies with
 * INVALID_ACTION_MESSAGE). Nesting is not understood: `<answer>a <search>q</search></answer>` is an
 * answer whose content is `a <search>q</search>`, exactly as Python's `re.search` reads it.
 * An empty tag (`<search></search>`) is a valid action with empty content, as in the code.
 */
export function parseAction(text: string): Action {
  const m = ACTION_PATTERN.exec(text);
  if (!m) return { kind: 'invalid', content: '' };
  return { kind: m[1] as 'search' | 'answer', content: m[2].trim() };
}

/**
 * Post-processing of one generated turn (vLLM has no stop strings there): cut right after the first
 * `</search>` if the text contains one, else right after the first `</answer>`, else keep it whole.
 * Quirk kept from the code: `</search>` wins even when `</answer>` comes earlier, so
 * `<answer>x</answer> <search>q</search>` is kept up to `</search>` (and `parseAction` then reads the answer).
 */
export function cutAtAction(text: string): string {
  const s = text.indexOf('</search>');
  if (s >= 0) return text.slice(0, s + '</search>'.length);
  const a = text.indexOf('</answer>');
  if (a >= 0) return text.slice(0, a + '</answer>'.length);
  return text;
}

function answerMatches(text: string): string[] {
  return Array.from(text.matchAll(ANSWER_PATTERN), (m) => m[1]);
}

/**
 * ZeroSearch's `extract_solution`, for the *full* decoded text (prompt + all turns): all
 * `<answer>(.*?)</answer>` matches; ≤ 1 match ⇒ null, otherwise the last one, trimmed.
 * Why "≤ 1 ⇒ null": the policy prompt itself contains two matches (" and " and " Beijing "), so any
 * text that includes the prompt has ≥ 2 and a trajectory that never answers is scored on "Beijing"
 * (reward ≈ 0, never null). Given a response without the prompt, this needs *two* answers to return one —
 * use `extractResponseAnswer` there.
 */
export function extractAnswer(fullText: string): string | null {
  const matches = answerMatches(fullText);
  if (matches.length <= 1) return null;
  return matches[matches.length - 1].trim();
}

/**
 * The sane variant: look at the policy's response only (no prompt) and return its last
 * `<answer>…</answer>` content, trimmed, or null when it never answered.
 */
export function extractResponseAnswer(responseText: string): string | null {
  const matches = answerMatches(responseText);
  if (matches.length === 0) return null;
  return matches[matches.length - 1].trim();
}
