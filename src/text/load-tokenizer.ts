/**
 * Load whichever tokenizer a folder holds: an HF model folder (`tokenizer.json` +
 * `tokenizer_config.json`) or a micro-world checkpoint (`word-tokenizer.json`).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Tokenizer } from './tokenizer';
import { loadHfTokenizer } from './hf-tokenizer';
import { WORD_TOKENIZER_FILE, loadWordTokenizer } from './word-tokenizer';

export function loadTokenizer(dir: string): Tokenizer {
  if (fs.existsSync(path.join(dir, 'tokenizer.json'))) return loadHfTokenizer(dir);
  if (fs.existsSync(path.join(dir, WORD_TOKENIZER_FILE))) return loadWordTokenizer(dir);
  throw new Error(`${dir}: no tokenizer found (expected tokenizer.json + tokenizer_config.json, or ${WORD_TOKENIZER_FILE})`);
}
