/**
 * Load a policy for evaluation: a kit checkpoint or a Hugging Face model folder (config.json +
 * safetensors), with its tokenizer found in the folder or, for an RL run's `policy/`, in a parent
 * folder (the policy base keeps the word tokenizer next to its model).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadHfModel } from '../model/checkpoint';
import type { Transformer } from '../model/transformer';
import { loadTokenizer } from '../text/load-tokenizer';
import type { Tokenizer } from '../text/tokenizer';

const HAS_TOKENIZER = ['tokenizer.json', 'word-tokenizer.json'];

/** `label` names the folder in errors the way the user gave it (a simulator's folder comes from --engine, not --policy). */
export function loadPolicy(dir: string, tokenizerDir?: string, label = `--policy ${dir}`): { model: Transformer; tokenizer: Tokenizer; tokenizerDir: string } {
  if (!fs.existsSync(path.join(dir, 'config.json')))
    throw new Error(`${label}: no config.json (expected a checkpoint folder: config.json + model.safetensors)`);
  let found = tokenizerDir;
  for (let d = path.resolve(dir), i = 0; !found && i < 4; d = path.dirname(d), i++) {
    if (HAS_TOKENIZER.some((f) => fs.existsSync(path.join(d, f)))) found = d;
  }
  if (!found)
    throw new Error(
      `${label}: no tokenizer in it or its parent folders (${HAS_TOKENIZER.join(' or ')})${label.startsWith('--policy') ? '; pass --tokenizer <dir>' : ''}`,
    );
  return { model: loadHfModel(dir), tokenizer: loadTokenizer(found), tokenizerDir: found };
}
