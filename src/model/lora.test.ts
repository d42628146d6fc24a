import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../tensor';
import { loadHfModel, saveCheckpoint } from './checkpoint';
import { trainLm } from './lm-trainer';
import { LoraTransformer, mergeLora, saveLoraAdapter } from './lora';
import { SafetensorsFile } from './safetensors';
import { createModel } from './transformer';

before(async () => {
  await initBackend();
});

const ids = [
  [1, 5, 2, 7, 3, 9, 4],
  [2, 8, 8, 1, 6, 0, 3],
];
const logitsOf = (m: { forward(x: number[][]): tf.Tensor }) => {
  const t = m.forward(ids);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

test('LoRA on a tiny HF checkpoint trains only adapter weights and merges back to the same logits', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-'));
  const original = createModel({ vocabSize: 12, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24 }, 4);
  saveCheckpoint(original, path.join(dir, 'base'));
  original.dispose();
  const base = loadHfModel(path.join(dir, 'base'));
  const snapshot = new Map([...base.params].map(([n, v]) => [n, Array.from(v.dataSync())]));
  const baseLogits = logitsOf(base);

  const lora = new LoraTransformer(base, { rank: 2, alpha: 4, targetModules: ['q_proj', 'v_proj', 'down_proj'], seed: 1 });
  assert.equal(lora.adapters.size, 6);
  assert.deepEqual(logitsOf(lora), baseLogits, 'an untrained adapter (B = 0) must not change the logits');

  const data = [{ ids: ids[0], lossMask: ids[0].map(() => 1) }];
  const run = await trainLm(lora, data, { steps: 15, batchSize: 2, lr: 2e-2, seed: 3 });
  assert.ok(run.losses[14].loss < run.losses[0].loss, 'adapter training lowers the loss');
  for (const [name, v] of base.params) assert.deepEqual(Array.from(v.dataSync()), snapshot.get(name), `base weight ${name} changed`);
  for (const { b } of lora.adapters.values()) assert.ok(tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]) > 0, 'adapter B stayed zero');

  const loraLogits = logitsOf(lora);
  const merged = mergeLora(lora);
  const mergedLogits = logitsOf(merged);
  loraLogits.forEach((x, i) => assert.ok(Math.abs(x - mergedLogits[i]) < 1e-4, `merged logit ${i}: ${mergedLogits[i]} vs ${x}`));
  saveCheckpoint(merged, path.join(dir, 'merged'));
  const reloaded = loadHfModel(path.join(dir, 'merged'));
  assert.deepEqual(logitsOf(reloaded), mergedLogits, 'HF round trip of the merged model');

  saveLoraAdapter(lora, path.join(dir, 'adapter'), 'tiny-base');
  const adapterFile = new SafetensorsFile(path.join(dir, 'adapter', 'adapter_model.safetensors'));
  assert.deepEqual(adapterFile.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')?.shape, [2, 16]);
  assert.deepEqual(adapterFile.tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')?.shape, [16, 2]);
  adapterFile.close();
  for (const m of [lora, merged, reloaded, base]) m.dispose();
});

test('LoRA refuses target modules that match nothing', () => {
  const base = createModel({ vocabSize: 8, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 8 }, 1);
  assert.throws(() => new LoraTransformer(base, { rank: 2, alpha: 2, targetModules: ['qproj'] }), /match no linear layer/);
  base.dispose();
});
