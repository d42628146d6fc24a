/**
 * The PPO critic: a separate transformer, initialised from the policy's weights (as veRL initialises its
 * critic from the actor), with a linear value head read from its output.
 *
 * Why a head on the logits: `Transformer` exposes logits, not hidden states. The logits are a linear map
 * of the final normed hidden state (lm_head · h), so `V = w · logits + b` is a linear head on the final
 * hidden state restricted to lm_head's row space — all of it whenever vocab ≥ width, as in every model
 * here. `w` starts at 0, so the first values are exactly `b` = 0.
 * A separate model (not a head on the policy) keeps value gradients out of the policy, as in veRL.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MemoryOptions, Transformer, cloneModel } from '../model/transformer';

export class Critic {
  readonly head: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly model: Transformer,
    head?: tf.Variable,
    bias?: tf.Variable,
  ) {
    // Made in a scope, so the temporary zeros are freed and only the variables hold the data.
    this.head = head ?? tf.tidy(() => tf.variable(tf.zeros([model.config.vocabSize, 1]), true));
    this.bias = bias ?? tf.tidy(() => tf.variable(tf.zeros([1]), true));
  }

  /** A critic whose trunk copies `policy`'s current weights. */
  static fromPolicy(policy: Transformer): Critic {
    return new Critic(cloneModel(policy, true));
  }

  /** Every variable the critic's optimizer updates (trunk, head, bias), in a fixed order. */
  variables(): tf.Variable[] {
    return [...this.model.trainableVariables(), this.head, this.bias];
  }

  /**
   * Values `[B, T-1]` aligned like `tokenStats`: entry t-1 is V(state before token t), read at position t-1.
   * Rows are right-padded with 0; padded entries are meaningless (mask them). `memory`: the trunk's checkpointing and attention chunks.
   */
  values(ids: number[][], memory: MemoryOptions = {}): tf.Tensor2D {
    const T = Math.max(...ids.map((r) => r.length));
    const rows = ids.map((r) => [...r, ...new Array<number>(T - r.length).fill(0)]);
    return tf.tidy(() => {
      const logits = this.model.forward(
        rows.map((r) => r.slice(0, T - 1)),
        memory,
      );
      const [B, S, V] = logits.shape;
      const v = tf.add(tf.matMul(tf.reshape(logits, [B * S, V]), this.head), this.bias);
      return tf.reshape(v, [B, S]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.model.dispose();
    this.head.dispose();
    this.bias.dispose();
  }
}
