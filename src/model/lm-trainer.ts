/**
 * One language-model training loop for every supervised stage of the kit: the simulator's world-knowledge
 * pretraining, simulator SFT (full or LoRA), and the policy's base pretraining.
 *
 * Inputs are token sequences with a loss mask (`lossMask[t] = 1` makes token t a target). Each step draws
 * `batchSize` sequences *at random* from the sampler — never length-bucketed: a bucketed batch with a
 * per-batch token-mean loss over-weights whatever the short sequences teach (DESIGN, pitfall 1). Rows are
 * padded per batch by the model.
 *
 * Optimiser: AdamW (decoupled weight decay on matrices only), global-norm gradient clipping, linear warmup
 * then cosine decay to `minLrRatio · lr`. A step whose loss or gradient is not finite is skipped (and counted);
 * several in a row stop the run with an error.
 *
 * Exact resume: the batch of step s is drawn from `Rng("<seed>:batch:<s>")`, so no random-number state has
 * to be saved; a checkpoint holds the trainable variables, both Adam moments and the step. After a kill,
 * `trainLm` with the same arguments continues from the last checkpoint and produces exactly the losses an
 * uninterrupted run would (same backend), and the loss log is cut back to the checkpoint's step first.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { JsonlLog, Rng, progress, readJson, writeJsonAtomic } from '../util';
import { accumulateGradients, clipByGlobalNorm, microBatchWeights, microBatches } from './micro-batches';
import { AdamW } from './adamw';
import { SafetensorsFile, writeSafetensors } from './safetensors';

/** One training sequence: token ids and, aligned with them, which tokens are targets. */
export interface LmExample {
  ids: number[];
  lossMask: number[];
}

/** Training data: a fixed list (sampled uniformly with replacement) or a function that draws one example. */
export type LmSampler = readonly LmExample[] | ((rng: Rng) => LmExample);

/** What the loop needs from a model: a masked loss and the variables to update (a Transformer or a LoRA wrapper). */
export interface TrainableLm {
  lossOnTargets(ids: number[][], lossMask: number[][]): tf.Scalar;
  trainableVariables(): tf.Variable[];
}

export interface LmTrainOptions {
  steps: number;
  batchSize: number;
  lr: number;
  /** Linear warmup steps (default 0). */
  warmup?: number;
  /** Cosine decay ends at minLrRatio · lr (default 0.1; 1 keeps the rate constant after warmup). */
  minLrRatio?: number;
  /** Decoupled weight decay on variables of rank ≥ 2 (default 0). */
  weightDecay?: number;
  /**
   * Rows per forward/backward pass (default 4; 0 = the whole batch in one). The step's gradient is the sum
   * over length-sorted micro-batches weighted by their target tokens (./micro-batches): the same update up
   * to float rounding, and less padding. A policy-base batch (16 rows of 29–450 tokens) took 1155 ms in one
   * pass and 486 ms in micro-batches of 4 (quick preset, beside two other runs).
   */
  microBatchSize?: number;
  /** Clip the global gradient norm to this (default 1; 0 disables). */
  gradClip?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  seed: number;
  /** Progress info every this many steps (default 25). */
  logEvery?: number;
  /** Save a checkpoint every this many steps and at the end (default 0 = only at the end, if checkpointDir is set). */
  checkpointEvery?: number;
  /** Folder for the resumable checkpoint (`state.safetensors` + `trainer-state.json`); resumes from it when present. */
  checkpointDir?: string;
  /** JSONL file receiving one `{step, loss, lr, gradNorm, targets, skipped?}` row per step. */
  lossLog?: string;
  /** Progress-bar label. */
  label?: string;
  /** Stop (as if killed) after this step, leaving the checkpoint behind; for tests of resume. */
  stopAfterStep?: number;
  /** Consecutive non-finite steps tolerated before giving up (default 5). */
  maxBadSteps?: number;
}

export interface LossRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  /** Target tokens in the batch. */
  targets: number;
  skipped?: boolean;
}

export interface LmTrainResult {
  /** Losses of the steps run by this call (not those before a resume). */
  losses: LossRecord[];
  /** Step the run started from (0, or the checkpoint's step). */
  resumedFrom: number;
  /** Steps completed in total. */
  step: number;
  skippedSteps: number;
  seconds: number;
}

const STATE_FILE = 'state.safetensors';
const TRAINER_FILE = 'trainer-state.json';

/** Learning rate at 0-based `step`: linear warmup to `lr`, then cosine to `minLrRatio · lr` at the last step. */
export function learningRate(step: number, opts: Pick<LmTrainOptions, 'lr' | 'warmup' | 'minLrRatio' | 'steps'>): number {
  const warmup = opts.warmup ?? 0;
  if (step < warmup) return (opts.lr * (step + 1)) / warmup;
  const span = Math.max(1, opts.steps - warmup);
  const progressed = Math.min(1, (step - warmup) / span);
  const floor = opts.lr * (opts.minLrRatio ?? 0.1);
  return floor + 0.5 * (opts.lr - floor) * (1 + Math.cos(Math.PI * progressed));
}

/** The batch of a given step: depends only on (seed, step), which is what makes resume exact. */
export function sampleBatch(sampler: LmSampler, seed: number, step: number, batchSize: number): LmExample[] {
  const rng = new Rng(`${seed}:batch:${step}`);
  if (typeof sampler === 'function') return Array.from({ length: batchSize }, () => sampler(rng));
  if (sampler.length === 0) throw new Error('trainLm: the training set is empty');
  return Array.from({ length: batchSize }, () => sampler[rng.int(sampler.length)]);
}

function checkOptions(o: LmTrainOptions): void {
  const posInt = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`trainLm: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  posInt(o.steps, 'steps');
  posInt(o.batchSize, 'batchSize');
  if (!(o.lr > 0)) throw new Error(`trainLm: lr must be positive, got ${o.lr}`);
  if (!Number.isInteger(o.seed)) throw new Error(`trainLm: seed must be an integer, got ${o.seed}`);
}

function checkExample(e: LmExample, where: string): void {
  if (!e || !Array.isArray(e.ids) || !Array.isArray(e.lossMask) || e.ids.length !== e.lossMask.length) {
    throw new Error(`trainLm: ${where} must be {ids: number[], lossMask: number[]} of equal length`);
  }
  if (e.ids.length < 2) throw new Error(`trainLm: ${where} has ${e.ids.length} tokens (need at least 2)`);
}

function saveState(dir: string, vars: tf.Variable[], optimizer: AdamW, meta: Record<string, unknown>): void {
  const params = vars.map((variable, i) => ({ name: `param.${i}`, shape: variable.shape, data: () => variable.dataSync() as Float32Array }));
  // Weights first, then the small JSON that names the step: a kill between the two leaves the previous
  // step's JSON, which is detected below by the step stored inside the safetensors metadata.
  writeSafetensors(path.join(dir, STATE_FILE), [...params, ...optimizer.stateEntries()], { metadata: { step: String(meta.step) } });
  writeJsonAtomic(path.join(dir, TRAINER_FILE), meta);
}

function loadState(dir: string, vars: tf.Variable[], optimizer: AdamW): number {
  const meta = readJson<{ step?: number; numVariables?: number }>(path.join(dir, TRAINER_FILE));
  const file = new SafetensorsFile(path.join(dir, STATE_FILE));
  try {
    if (Number(file.metadata.step) !== meta.step) {
      throw new Error(
        `${dir}: ${STATE_FILE} is from step ${file.metadata.step} but ${TRAINER_FILE} says ${meta.step} (a save was interrupted); delete the folder to restart`,
      );
    }
    if (meta.numVariables !== vars.length) {
      throw new Error(`${dir}: checkpoint has ${meta.numVariables} trainable variables, the model has ${vars.length} (a different model?)`);
    }
    vars.forEach((variable, i) => {
      const name = `param.${i}`;
      const entry = file.tensors.get(name);
      if (!entry || entry.shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`${dir}/${STATE_FILE}: tensor ${name} has shape [${entry?.shape}], the model needs [${variable.shape}]`);
      }
      tf.tidy(() => variable.assign(tf.tensor(file.readFloat32(name), variable.shape)));
    });
    optimizer.restore(file, meta.step!);
  } finally {
    file.close();
  }
  return meta.step!;
}

/**
 * Train `model` on `sampler` (see the file comment). Resumes from `checkpointDir` when it holds a
 * checkpoint; returns once `steps` steps are done (or at `stopAfterStep`).
 */
export async function trainLm(model: TrainableLm, sampler: LmSampler, opts: LmTrainOptions): Promise<LmTrainResult> {
  checkOptions(opts);
  const { beta1 = 0.9, beta2 = 0.95, eps = 1e-8, gradClip = 1, weightDecay = 0, logEvery = 25, microBatchSize = 4 } = opts;
  const vars = model.trainableVariables();
  if (vars.length === 0) throw new Error('trainLm: the model has no trainable variables');
  const optimizer = new AdamW(vars, { beta1, beta2, eps, weightDecay });
  const started = Date.now();
  let step = 0;
  try {
    if (opts.checkpointDir && fs.existsSync(path.join(opts.checkpointDir, TRAINER_FILE))) {
      step = loadState(opts.checkpointDir, vars, optimizer);
    }
    // Rows past the checkpoint came from a run that was killed later; they are recomputed identically.
    const resumeStep = step;
    const lossLog = opts.lossLog ? JsonlLog.open<LossRecord>(opts.lossLog, { key: (r) => String(r.step), keep: (r) => r.step < resumeStep }) : null;
    const resumedFrom = step;
    const losses: LossRecord[] = [];
    let skippedSteps = 0;
    let badInARow = 0;
    const bar = progress(opts.label ?? 'train', opts.steps);
    bar.tick(step);
    const save = () => {
      if (!opts.checkpointDir) return;
      lossLog?.sync();
      saveState(opts.checkpointDir, vars, optimizer, {
        step,
        numVariables: vars.length,
        seed: opts.seed,
        steps: opts.steps,
        savedAt: new Date().toISOString(),
      });
    };
    while (step < opts.steps) {
      const batch = sampleBatch(sampler, opts.seed, step, opts.batchSize);
      batch.forEach((e, i) => checkExample(e, `step ${step} example ${i}`));
      const lr = learningRate(step, opts);
      const targets = batch.reduce((n, e) => n + e.lossMask.slice(1).reduce((a, b) => a + (b ? 1 : 0), 0), 0);
      // Bias correction follows the global step (skipped non-finite steps included), as before a resume.
      optimizer.step = step;
      const { loss, gradNorm } = adamStep(model, vars, optimizer, batch, lr, gradClip, microBatchSize);
      const ok = Number.isFinite(loss) && Number.isFinite(gradNorm);
      const record: LossRecord = { step, loss, lr, gradNorm, targets, ...(!ok && { skipped: true }) };
      if (!ok) {
        skippedSteps++;
        if (++badInARow >= (opts.maxBadSteps ?? 5)) {
          throw new Error(
            `trainLm: ${badInARow} steps in a row had a non-finite loss or gradient (last at step ${step}, loss ${loss}); lower lr or check the data`,
          );
        }
      } else badInARow = 0;
      losses.push(record);
      lossLog?.append([record]);
      step++;
      bar.tick(1, step % logEvery === 0 || step === opts.steps ? { loss, lr } : undefined);
      if (opts.checkpointEvery && step % opts.checkpointEvery === 0 && step < opts.steps) save();
      if (opts.stopAfterStep !== undefined && step >= opts.stopAfterStep && step < opts.steps) {
        save();
        bar.done();
        return { losses, resumedFrom, step, skippedSteps, seconds: (Date.now() - started) / 1000 };
      }
      if (step % logEvery === 0) await new Promise((r) => setImmediate(r)); // let timers and I/O run
    }
    save();
    bar.done();
    return { losses, resumedFrom, step, skippedSteps, seconds: (Date.now() - started) / 1000 };
  } finally {
    optimizer.dispose();
  }
}

/** Forward, backward, clip, AdamW update. Returns the loss and the gradient norm before clipping. */
function adamStep(
  model: TrainableLm,
  vars: tf.Variable[],
  optimizer: AdamW,
  batch: LmExample[],
  lr: number,
  gradClip: number,
  microBatchSize: number,
): { loss: number; gradNorm: number } {
  const ids = batch.map((e) => e.ids);
  const masks = batch.map((e) => e.lossMask);
  const groups = microBatches(
    ids.map((_, i) => i),
    ids.map((r) => r.length),
    microBatchSize > 0 ? microBatchSize : ids.length,
  );
  const weights = microBatchWeights(
    groups,
    masks.map((m) => m.slice(1)),
    'token-mean',
  );
  const r = accumulateGradients(vars, groups, weights, (rows) => ({
    loss: model.lossOnTargets(
      rows.map((i) => ids[i]),
      rows.map((i) => masks[i]),
    ),
    extras: [],
  }));
  const { clipped, norm: gradNorm } = clipByGlobalNorm(r.grads, gradClip);
  try {
    if (Number.isFinite(r.loss) && Number.isFinite(gradNorm)) optimizer.apply(clipped, lr);
    return { loss: r.loss, gradNorm };
  } finally {
    tf.dispose(clipped);
  }
}
