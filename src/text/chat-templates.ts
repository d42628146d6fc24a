/**
 * The two chat templates the kit renders by hand (no Jinja engine): Qwen's ChatML and LLaMA-3's header
 * format. Which one a model uses is read from the `chat_template` of its tokenizer_config.json, so a
 * checkpoint brings its own choice; callers may also name one.
 *
 *   qwen-chat:   [<|im_start|>system\n{default system}<|im_end|>\n] <|im_start|>{role}\n{content}<|im_end|>\n … <|im_start|>assistant\n
 *   llama3-chat: {bos}[<|start_header_id|>system<|end_header_id|>\n\n{date header}{system}<|eot_id|>]
 *                <|start_header_id|>{role}<|end_header_id|>\n\n{content, trimmed}<|eot_id|> … <|start_header_id|>assistant<|end_header_id|>\n\n
 */
import type { ChatMessage } from './tokenizer';

export type ChatTemplateKind = 'qwen-chat' | 'llama3-chat';
export const CHAT_TEMPLATE_KINDS: readonly ChatTemplateKind[] = ['qwen-chat', 'llama3-chat'];

/** The token that ends an assistant turn in each template (generation stops there as at EOS). */
export const END_OF_TURN: Record<ChatTemplateKind, string> = { 'qwen-chat': '<|im_end|>', 'llama3-chat': '<|eot_id|>' };

/** Which of the two templates a Jinja `chat_template` string is, or undefined for any other. */
export function chatTemplateKind(template: string | undefined): ChatTemplateKind | undefined {
  if (!template) return undefined;
  if (template.includes('<|im_start|>')) return 'qwen-chat';
  if (template.includes('<|start_header_id|>')) return 'llama3-chat';
  return undefined;
}

export interface RenderChatOptions {
  /** Append the opening of the assistant's turn (HF `add_generation_prompt=True`). Default true. */
  addGenerationPrompt?: boolean;
  /** LLaMA-3: the tokenizer's bos_token text, which the template puts first. */
  bosToken?: string;
  /**
   * The Jinja source, for what it adds on its own: Qwen's default system message when the first message is
   * not a system one; LLaMA-3.1/3.2's "Cutting Knowledge Date" system block (with the template's fallback
   * date, 26 Jul 2024, so a prompt renders the same on every day).
   */
  template?: string;
}

const ROLES = ['system', 'user', 'assistant'];

function checkRoles(messages: readonly ChatMessage[]): void {
  messages.forEach((m, i) => {
    if (!ROLES.includes(m.role)) throw new Error(`chat template: messages[${i}].role ${JSON.stringify(m.role)} is not one of ${ROLES.join(', ')}`);
  });
}

export function renderChat(kind: ChatTemplateKind, messages: readonly ChatMessage[], opts: RenderChatOptions = {}): string {
  checkRoles(messages);
  const generation = opts.addGenerationPrompt ?? true;
  const tpl = opts.template ?? '';
  if (kind === 'qwen-chat') {
    let out = '';
    const defaultSystem = /'<\|im_start\|>system\\n([^'\\]*)<\|im_end\|>\\n'/.exec(tpl)?.[1];
    if (defaultSystem !== undefined && messages[0]?.role !== 'system') out += `<|im_start|>system\n${defaultSystem}<|im_end|>\n`;
    for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    return generation ? `${out}<|im_start|>assistant\n` : out;
  }
  const header = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
  let out = opts.bosToken ?? '';
  let rest = messages;
  if (tpl.includes('Cutting Knowledge Date')) {
    const system = messages[0]?.role === 'system' ? messages[0].content.trim() : '';
    if (messages[0]?.role === 'system') rest = messages.slice(1);
    out += `${header('system')}Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n${system}<|eot_id|>`;
  }
  for (const m of rest) out += `${header(m.role)}${m.content.trim()}<|eot_id|>`;
  return generation ? out + header('assistant') : out;
}
