/**
 * The policy prompt and the environment's fixed strings, quoted exactly from the released code.
 *
 * ZeroSearch trains and evaluates with Search-R1's "base" template (Search-R1
 * `scripts/data_process/qa_search_train_merge.py::make_prefix`, ZeroSearch `inference.py`; paper Table 1).
 * The repo string differs from the paper's Table 1 ("as many times as your want", no comma after
 * `</search>`); we keep the repo string because it is what the released models were trained on.
 * Two literal fragments matter beyond wording: "<answer> and </answer>" and "<answer> Beijing </answer>"
 * are two `<answer>…</answer>` matches inside the prompt itself, which is why ZeroSearch's
 * `extract_solution` needs at least two matches and scores a silent trajectory as "Beijing"
 * (see `extractAnswer` in ./actions).
 */
import { preprocessQuestion } from '../data/qa';

export { preprocessQuestion };

/** The template text before the question (Python's `\`-continued lines joined with single spaces). */
export const POLICY_PROMPT_PREFIX =
  'Answer the given question. ' +
  'You must conduct reasoning inside <think> and </think> first every time you get new information. ' +
  'After reasoning, if you find you lack some knowledge, you can call a search engine by <search> query </search> ' +
  'and it will return the top searched results between <information> and </information>. ' +
  'You can search as many times as your want. ' +
  'If you find no further external knowledge needed, you can directly provide the answer inside <answer> and </answer>, ' +
  'without detailed illustrations. For example, <answer> Beijing </answer>. Question: ';

/**
 * The full user message for one question: `make_prefix` output, ending in a newline.
 * This is the raw content; a chat template (if the tokenizer has one) wraps it as a single user turn.
 */
export function policyPrompt(question: string): string {
  return `${POLICY_PROMPT_PREFIX}${preprocessQuestion(question)}\n`;
}

/**
 * The prompt as the chat a dataset row holds (spec §2.2: `prompt = [{role: 'user', content}]`, no system
 * message). A tokenizer with a chat template renders it with the generation prompt appended.
 */
export function policyChat(question: string): Array<{ role: 'user'; content: string }> {
  return [{ role: 'user', content: policyPrompt(question) }];
}

/**
 * Observation for a turn with no valid `<search>`/`<answer>` action (`execute_predictions` in
 * Search-R1 / ZeroSearch `llm_agent/generation.py`), already wrapped in `\n … \n` as in the code.
 * The trajectory is not done; these tokens come from the environment and are loss-masked.
 */
export const INVALID_ACTION_MESSAGE =
  '\nMy previous action is invalid. ' +
  'If I want to search, I should put the query between <search> and </search>. ' +
  'If I want to give the final answer, I should put the answer between <answer> and </answer>. Let me try again.\n';
