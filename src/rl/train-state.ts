/**
 * The trainer's checkpoint: everything needed to continue a run exactly as if it had never stopped.
 * - `policy/` (and `critic/`): HF-layout model directories (`saveCheckpoint`), float32, so weights round-trip bit for bit;
 *   for a LoRA policy `adapter/` instead (PEFT layout, f32): the frozen base is never written;
 * - `optimizer.safetensors`: the AdamW state (step count and moments, in variable order);
 * - `state.json`: the step the checkpoint belongs to and the search engine's random state (a simulator draws
 *   noisy/useful and its sampling seeds from one stream across steps; the trainer's own draws derive from (seed, step)).
 * Everything is written into `<dir>.tmp` first; the previous checkpoint is moved to `<dir>.old` until the new
 * one is in place, so a kill at any moment leaves a complete checkpoint behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { readJson, writeJsonAtomic } from '../util';
import { saveCheckpoint, loadCheckpoint } from '../model/checkpoint';
import { SafetensorsFile, writeSafetensors } from '../model/safetensors';
import type { Transformer } from '../model/transformer';
import { LoraTransformer, loadLoraAdapter, saveLoraAdapter } from '../model/lora';
import type { AdamW } from '../model/adamw';

export interface TrainState {
  step: number;
  /** Fingerprint of the run config; resuming with another config is an error. */
  configKey: string;
  /** `SearchEngine.randomState()` after this step, for engines that have one. */
  engineRandomState?: unknown;
}

/** Copy weights from a loaded model into `target` (same names and shapes), then free the loaded one. */
export function assignWeights(target: Transformer, source: Transformer, what: string): void {
  for (const [name, v] of target.params) {
    const s = source.params.get(name);
    if (!s || s.shape.join() !== v.shape.join()) throw new Error(`${what}: parameter ${name} missing or of another shape`);
    v.assign(s);
  }
  source.dispose();
}

export interface Checkpointable {
  policy: Transformer;
  optimizer: AdamW;
  critic?: { model: Transformer; extra: tf.Variable[]; optimizer: AdamW };
}

export async function saveTrainState(dir: string, parts: Checkpointable, state: TrainState): Promise<void> {
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  // A LoRA policy's base is frozen: its adapters are the whole trainable state.
  if (parts.policy instanceof LoraTransformer) saveLoraAdapter(parts.policy, path.join(tmp, 'adapter'));
  else saveCheckpoint(parts.policy, path.join(tmp, 'policy'));
  parts.optimizer.save(path.join(tmp, 'optimizer.safetensors'));
  if (parts.critic) {
    saveCheckpoint(parts.critic.model, path.join(tmp, 'critic'));
    writeSafetensors(
      path.join(tmp, 'critic-head.safetensors'),
      parts.critic.extra.map((v, i) => ({
        name: String(i),
        shape: v.shape,
        data: () => v.dataSync() as Float32Array,
      })),
    );
    parts.critic.optimizer.save(path.join(tmp, 'critic-optimizer.safetensors'));
  }
  writeJsonAtomic(path.join(tmp, 'state.json'), state);
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** The saved state, or null when `dir` holds no complete checkpoint (one a kill left in `<dir>.old` is moved back first). */
export function readTrainState(dir: string): TrainState | null {
  const file = path.join(dir, 'state.json');
  const old = `${dir}.old`;
  if (!fs.existsSync(file) && fs.existsSync(path.join(old, 'state.json'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(old, dir);
  }
  return fs.existsSync(file) ? readJson<TrainState>(file) : null;
}

export async function loadTrainState(dir: string, parts: Checkpointable): Promise<TrainState> {
  const state = readTrainState(dir);
  if (!state) throw new Error(`${dir}: no state.json (not a complete trainer checkpoint)`);
  if (parts.policy instanceof LoraTransformer) loadLoraAdapter(parts.policy, path.join(dir, 'adapter'));
  else assignWeights(parts.policy, loadCheckpoint(path.join(dir, 'policy')), `${dir}/policy`);
  parts.optimizer.load(path.join(dir, 'optimizer.safetensors'));
  if (parts.critic) {
    assignWeights(parts.critic.model, loadCheckpoint(path.join(dir, 'critic')), `${dir}/critic`);
    const f = new SafetensorsFile(path.join(dir, 'critic-head.safetensors'));
    try {
      parts.critic.extra.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(f.readFloat32(String(i)), v.shape))));
    } finally {
      f.close();
    }
    parts.critic.optimizer.load(path.join(dir, 'critic-optimizer.safetensors'));
  }
  return state;
}
