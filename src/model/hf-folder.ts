/**
 * What an exported HF folder carries over from the checkpoint it was trained from, so vLLM / sglang serve
 * the result like the original: the stored float type (a BF16 checkpoint stays BF16) and the tokenizer files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../util';
import { SafetensorsDtype, SafetensorsFile } from './safetensors';

const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'generation_config.json',
  'word-tokenizer.json',
];

/** The float type of the folder's weights (the first tensor of model.safetensors or of the first shard). */
export function storedDtype(dir: string): SafetensorsDtype {
  const index = path.join(dir, 'model.safetensors.index.json');
  const file = fs.existsSync(index)
    ? path.join(dir, Object.values(readJson<{ weight_map: Record<string, string> }>(index).weight_map)[0])
    : path.join(dir, 'model.safetensors');
  const f = new SafetensorsFile(file);
  try {
    const first = f.tensors.values().next().value;
    if (!first) throw new Error(`${file}: holds no tensors`);
    return first.dtype;
  } finally {
    f.close();
  }
}

/** Copy whichever tokenizer files `from` holds into `to`. */
export function copyTokenizerFiles(from: string, to: string): void {
  for (const f of TOKENIZER_FILES) {
    if (fs.existsSync(path.join(from, f))) fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
}
