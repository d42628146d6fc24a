/**
 * Simulator SFT for a real Hugging Face checkpoint (Qwen2.5-Instruct on a GPU backend): LoRA adapters on
 * the loaded model, the same SFT sequences and training loop as the micro world, then the adapters merged
 * and saved as a standard HF folder (config.json + model.safetensors + the tokenizer files), which
 * `zerosearch serve-simulator`, vLLM or sglang can serve. The PEFT adapter is saved beside it.
 * (The paper tuned full weights with LLaMA-Factory at lr 1e-6, batch 2, 1,000 steps; LoRA is the
 * memory-light option the kit offers. Pass rank 0 for full fine-tuning.)
 */
import * as path from 'path';
import {
  DEFAULT_LORA,
  copyTokenizerFiles,
  loadHfModel,
  storedDtype,
  LoraConfig,
  LoraTransformer,
  mergeLora,
  saveCheckpoint,
  saveLoraAdapter,
  trainLm,
  Transformer,
} from '../model';
import type { LmTrainOptions, LmTrainResult } from '../model';
import { loadTokenizer } from '../text';
import type { SftExample } from './sft-data';
import { sftSequence } from './sft-data';

export interface FinetuneOptions {
  modelDir: string;
  examples: SftExample[];
  outDir: string;
  /** rank 0 = full fine-tuning. Default DEFAULT_LORA (rank 8, alpha 16, all projections). */
  lora?: LoraConfig;
  train: Omit<LmTrainOptions, 'checkpointDir' | 'lossLog'>;
  topk?: number;
}

export async function finetuneSimulator(opts: FinetuneOptions): Promise<{ result: LmTrainResult; model: Transformer; dir: string }> {
  if (opts.examples.length === 0) throw new Error('finetuneSimulator: no SFT examples');
  const tokenizer = loadTokenizer(opts.modelDir);
  const base = loadHfModel(opts.modelDir);
  const lora = opts.lora ?? DEFAULT_LORA;
  const trainable = lora.rank > 0 ? new LoraTransformer(base, lora) : base;
  const sequences = opts.examples.map((e) => sftSequence(e, tokenizer, opts.topk));
  const tooLong = sequences.findIndex((s) => s.ids.length > base.config.maxPositions);
  if (tooLong >= 0)
    throw new Error(`finetuneSimulator: example ${tooLong} has ${sequences[tooLong].ids.length} tokens, the model takes ${base.config.maxPositions}`);
  const result = await trainLm(trainable, sequences, {
    ...opts.train,
    checkpointDir: path.join(opts.outDir, 'train-state'),
    lossLog: path.join(opts.outDir, 'sft-loss.jsonl'),
  });
  const finalDir = path.join(opts.outDir, 'merged');
  let model: Transformer = base;
  if (trainable instanceof LoraTransformer) {
    saveLoraAdapter(trainable, path.join(opts.outDir, 'adapter'), opts.modelDir);
    model = mergeLora(trainable);
    trainable.dispose();
    base.dispose();
  }
  saveCheckpoint(model, finalDir, { dtype: storedDtype(opts.modelDir) }); // a BF16 input stays BF16
  copyTokenizerFiles(opts.modelDir, finalDir);
  return { result, model, dir: finalDir };
}
