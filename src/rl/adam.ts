/**
 * AdamW for the RL trainer, with state that saves and restores bit for bit.
 *
 * Why not `tf.train.adam`: its `setWeights` rebuilds the bias-correction accumulators as β^(t+1) with one
 * `pow`, while training builds them by repeated float32 multiplication, so a resumed run drifts from an
 * uninterrupted one in the last bits (and then everywhere). Here the step count is an integer and the bias
 * corrections are computed in float64 from it, so the state is just (t, m, v).
 * Weight decay is decoupled (AdamW) and applies to matrices only (rank ≥ 2), as in veRL's FSDP defaults
 * (weight_decay 0.01) and the kit's LM trainer.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW {
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(readonly variables: tf.Variable[], opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    const zeros = (x: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(x), false));
    this.m = variables.map(zeros);
    this.v = variables.map(zeros);
  }

  /** One update with `grads[i]` for `variables[i]` at learning rate `lr`. */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.variables.length) throw new Error(`AdamW: got ${grads.length} gradients for ${this.variables.length} variables`);
    this.step++;
    const c1 = 1 - Math.pow(this.beta1, this.step);
    const c2 = 1 - Math.pow(this.beta2, this.step);
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
        if (this.weightDecay > 0 && p.rank >= 2) update = tf.add(update, tf.mul(p, this.weightDecay));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
