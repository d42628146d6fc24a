export { normalizeAnswer, exactMatch, coverExactMatch, f1Score, scoreAnswer } from './metrics';
export type { AnswerScores } from './metrics';
export type { Tokenizer, EncodeOptions, DecodeOptions, ChatMessage } from './tokenizer';
export {
  WordTokenizer, WORD_SPECIAL_TOKENS, WORD_TOKENIZER_FILE, saveWordTokenizer, loadWordTokenizer,
} from './word-tokenizer';
export type { WordTokenizerOptions, WordTokenizerJSON } from './word-tokenizer';
export { HfTokenizer, loadHfTokenizer, qwen25Tokenizer } from './hf-tokenizer';
export type { ChatTemplateOptions } from './hf-tokenizer';
export { loadTokenizer } from './load-tokenizer';
export { CHAT_TEMPLATE_KINDS, END_OF_TURN, chatTemplateKind, renderChat } from './chat-templates';
export type { ChatTemplateKind, RenderChatOptions } from './chat-templates';
