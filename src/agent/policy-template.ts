/**
 * Which prompt template a policy gets (`--template`) and what it means in tokens:
 * - `base`: the Search-R1 template as raw text, behind the BOS token when the tokenizer's own post-processor
 *   would add one (LLaMA-3 does, Qwen does not), as `tokenizer(prompt)` does in transformers;
 * - `qwen-chat` / `llama3-chat`: the template wrapped as one user turn with the generation prompt (spec §2.1);
 * - `auto`: what ZeroSearch does — the chat template when the tokenizer_config has one, else `base`.
 * A chat template also ends the policy's turn at its end-of-turn token (`<|im_end|>`, `<|eot_id|>`), besides
 * the tokenizer_config's eos.
 */
import { CHAT_TEMPLATE_KINDS, ChatTemplateKind, END_OF_TURN, HfTokenizer, chatTemplateKind, renderChat } from '../text';
import type { Tokenizer } from '../text';
import { policyChat, policyPrompt } from './template';

export type PolicyTemplate = 'base' | ChatTemplateKind;
export const POLICY_TEMPLATES: readonly PolicyTemplate[] = ['base', ...CHAT_TEMPLATE_KINDS];

export interface PolicyPromptFormat {
  template: PolicyTemplate;
  prompt: (question: string) => string;
  /** Token ids that end a policy turn besides `tokenizer.eosId`. */
  stopTokenIds: number[];
}

/** `auto` → the tokenizer_config's chat template, else base; a named template is checked against the vocabulary. */
export function resolvePolicyTemplate(tokenizer: Tokenizer, choice: PolicyTemplate | 'auto'): PolicyTemplate {
  if (choice !== 'auto' && !POLICY_TEMPLATES.includes(choice)) {
    throw new Error(`--template ${choice}: expected auto, ${POLICY_TEMPLATES.join(', ')}`);
  }
  const hf = tokenizer instanceof HfTokenizer ? tokenizer : undefined;
  if (choice === 'auto') return chatTemplateKind(hf?.chatTemplate) ?? 'base';
  if (choice !== 'base' && tokenizer.tokenToId(END_OF_TURN[choice]) === undefined) {
    throw new Error(
      `--template ${choice}: the tokenizer has no ${END_OF_TURN[choice]} token (expected a ${choice === 'qwen-chat' ? 'Qwen' : 'LLaMA-3'} tokenizer)`,
    );
  }
  return choice;
}

/** BOS text to put first, when encoding with special tokens would add it. */
function bosPrefix(tokenizer: Tokenizer): string {
  if (!(tokenizer instanceof HfTokenizer) || tokenizer.bosId === undefined || !tokenizer.bosToken) return '';
  return tokenizer.encode('a', { addSpecialTokens: true })[0] === tokenizer.bosId ? tokenizer.bosToken : '';
}

export function policyPromptFormat(tokenizer: Tokenizer, choice: PolicyTemplate | 'auto' = 'auto'): PolicyPromptFormat {
  const template = resolvePolicyTemplate(tokenizer, choice);
  if (template === 'base') {
    const bos = bosPrefix(tokenizer);
    return { template, prompt: (q) => bos + policyPrompt(q), stopTokenIds: [] };
  }
  const hf = tokenizer instanceof HfTokenizer ? tokenizer : undefined;
  // The model's own Jinja source only when it is this template (for Qwen's default system message).
  const own = chatTemplateKind(hf?.chatTemplate) === template ? hf?.chatTemplate : undefined;
  const bosToken = template === 'llama3-chat' ? (hf?.bosToken ?? '<|begin_of_text|>') : undefined;
  return {
    template,
    prompt: (q) => renderChat(template, policyChat(q), { template: own, bosToken }),
    stopTokenIds: [tokenizer.tokenToId(END_OF_TURN[template])!],
  };
}
