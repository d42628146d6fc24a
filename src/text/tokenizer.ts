/**
 * The one tokenizer interface the rest of the kit sees. Two implementations:
 * - `WordTokenizer` (word-tokenizer.ts): word-level, built from the micro world's corpus;
 * - `HfTokenizer` (hf-tokenizer.ts): a Hugging Face `tokenizer.json` (Qwen2.5, LLaMA-3.2, ...).
 * Code above this layer (model, agent, rl) only uses these members, so the micro world and real
 * checkpoints run through the same rollout and training code.
 */

export interface EncodeOptions {
  /**
   * Let the tokenizer add its own BOS/EOS framing (HF post-processor, e.g. LLaMA-3's
   * `<|begin_of_text|>`). Default false: callers build prompts explicitly (chat template, tags).
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (pad, eos, chat markers) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Number of ids in use: every id is in [0, vocabSize). (An HF model's embedding may be larger.) */
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  /** Special token string → id. Each special token is encoded as exactly this single id. */
  readonly specialTokens: Readonly<Record<string, number>>;
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  /** Id of one vocabulary entry (a word, a special token, or a BPE piece), or undefined. */
  tokenToId(token: string): number | undefined;
  /** The vocabulary entry of an id, or undefined for an id outside the vocabulary. */
  idToToken(id: number): string | undefined;
}

/** A chat message, as HF chat templates take them. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
