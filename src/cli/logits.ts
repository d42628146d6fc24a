/**
 * `zerosearch logits --model <hf-dir> --ids 3,17,42`: print `{"logits_last": [...]}`, the logits after the
 * last id. A quick way to compare the kit's forward pass with another implementation
 * (scripts/reference_qwen2.py, transformers, vLLM) on the same weights.
 */
import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { loadHfModel } from '../model';
import { loadHfConfig } from '../model/checkpoint';

export function parseIds(text: string): number[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(`--ids: expected comma-separated non-negative integers, got "${text}"`);
  }
  return ids;
}

export function register(program: Command): void {
  program
    .command('logits')
    .description('print the last-position logits of a Hugging Face Qwen2/LLaMA model for the given token ids, as JSON')
    .requiredOption('--model <dir>', 'model directory (config.json + model.safetensors or sharded index)')
    .requiredOption('--ids <list>', 'comma-separated token ids, e.g. 3,17,42')
    .action(async (opts: { model: string; ids: string }) => {
      const ids = parseIds(opts.ids);
      const config = loadHfConfig(opts.model);
      if (ids.length > config.maxPositions) throw new Error(`--ids: ${ids.length} ids, but the model has ${config.maxPositions} positions`);
      const outOfVocab = ids.find((id) => id >= config.vocabSize);
      if (outOfVocab !== undefined)
        throw new Error(`--ids: id ${outOfVocab} is outside the vocabulary (${config.vocabSize} tokens: 0 to ${config.vocabSize - 1})`);
      await initBackend();
      const model = loadHfModel(opts.model);
      const logits = model.forward([ids]);
      const last = tf.tidy(() => tf.reshape(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, -1]), [-1]));
      process.stdout.write(JSON.stringify({ logits_last: Array.from(last.dataSync()) }) + '\n');
      tf.dispose([logits, last]);
      model.dispose();
    });
}
