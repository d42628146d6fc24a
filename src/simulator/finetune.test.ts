import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createModel, loadHfModel, saveCheckpoint } from '../model';
import { initBackend } from '../tensor';
import { qwen25Tokenizer, saveWordTokenizer } from '../text';
import { generateWorld } from '../world';
import { finetuneSimulator } from './finetune';
import { simulatorTokenizer } from './pipeline';
import { SftExample, sftSequence } from './sft-data';

before(async () => {
  await initBackend();
});

const world = generateWorld('tiny', 4);
const examples: SftExample[] = world.questions.slice(0, 4).map((q, i) => ({
  query: q.hops[0].query,
  question: q.question,
  answer: q.golden_answers[0],
  quality: i % 2 ? 'noisy' : 'useful',
  docs: world.documents.slice(i, i + 5),
  queryAnswers: q.hops[0].answers,
  questionId: q.id,
}));

test('LoRA simulator SFT on an HF-layout checkpoint writes a merged HF folder, the adapter and the loss log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-'));
  const tokenizer = simulatorTokenizer(world);
  const base = createModel({ vocabSize: tokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 512 }, 2);
  saveCheckpoint(base, path.join(dir, 'base'));
  saveWordTokenizer(tokenizer, path.join(dir, 'base'));
  base.dispose();
  const {
    result,
    model,
    dir: merged,
  } = await finetuneSimulator({
    modelDir: path.join(dir, 'base'),
    examples,
    outDir: path.join(dir, 'out'),
    lora: { rank: 2, alpha: 4, targetModules: ['q_proj', 'v_proj'] },
    train: { steps: 3, batchSize: 2, lr: 1e-2, seed: 1 },
  });
  assert.equal(result.step, 3);
  for (const f of ['config.json', 'model.safetensors', 'word-tokenizer.json']) assert.ok(fs.existsSync(path.join(merged, f)), f);
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) assert.ok(fs.existsSync(path.join(dir, 'out', 'adapter', f)), f);
  assert.equal(
    fs
      .readFileSync(path.join(dir, 'out', 'sft-loss.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    3,
  );
  const reloaded = loadHfModel(merged);
  assert.equal(reloaded.numParameters(), model.numParameters());
  reloaded.dispose();
  model.dispose();
});

test('for a chat tokenizer the SFT prompt is the ZeroSearch request shape and the loss stays on the documents', () => {
  const tokenizer = qwen25Tokenizer();
  const seq = sftSequence(examples[0], tokenizer);
  const prompt = tokenizer.decode(seq.ids.filter((_, t) => seq.lossMask[t] === 0));
  assert.ok(prompt.startsWith('<|im_start|>system\n<|im_end|>\n<|im_start|>user\nYou are the Google search engine.'), prompt.slice(0, 80));
  assert.ok(prompt.endsWith('Useful Output:\n<|im_end|>\n<|im_start|>assistant\n'));
  assert.ok(tokenizer.decode(seq.ids.filter((_, t) => seq.lossMask[t] === 1)).startsWith('Doc 1: '));
});
