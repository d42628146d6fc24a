/**
 * Activation checkpointing for tfjs: a function whose backward pass recomputes its forward pass instead of
 * reading activations a tape kept. Only its inputs (and `constants`, tensors it reads but takes no gradient
 * for) are saved; everything the forward pass makes inside is freed at once. The backward pass runs the
 * function again under a nested tape and differentiates it, so it costs one more forward pass (~1/3 more
 * compute) and holds one function's activations at a time instead of every function's.
 *
 * tfjs has no such primitive: `tf.customGrad` gives the hook (its forward runs with the tape off, its
 * gradFunc runs during the outer backward), and `nestedGradients` below makes a tape inside that gradFunc.
 */
import * as tf from '@tensorflow/tfjs-core';

interface EngineState {
  activeTape: unknown[] | null;
}

/**
 * `tf.engine().gradients` called while another backward pass is running (from a customGrad gradFunc).
 * Grads of `xs` not on the path from them to `f()` are zeros.
 */
export function nestedGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine();
  const state = (engine as unknown as { state: EngineState }).state;
  // During a backward pass the gradient depth is back to 0, so the nested call starts a fresh tape and ends by
  // setting `activeTape` to null: the outer `gradients` would then crash freeing its own tape's saved tensors.
  const outer = state.activeTape;
  try {
    const { value, grads } = engine.gradients(f, xs, dy);
    value.dispose();
    return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
  } finally {
    state.activeTape = outer;
  }
}

/**
 * `body(inputs, constants)` with a recomputing gradient with respect to `inputs` and `variables` (the trainable
 * variables the body reads, e.g. a layer's weights or its LoRA adapters; frozen ones get no gradient and need not
 * be listed). The body must read `inputs` and `constants` from its arguments, never from a closure: in the
 * backward pass they are the saved copies, the originals having been freed with the forward pass's scope.
 * Without a recording tape it is just `body`, freeing its intermediates.
 */
export function recompute(
  body: (inputs: tf.Tensor[], constants: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  variables: tf.Variable[],
  constants: tf.Tensor[] = [],
): tf.Tensor {
  const n = inputs.length;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, n) as tf.Tensor[];
    save([...xs, ...constants]);
    return {
      // customGrad runs this in its own scope with the tape off: nothing inside is kept for the backward pass.
      value: body(xs, constants),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xsSaved, constSaved] = [saved.slice(0, n), saved.slice(n)];
          return nestedGradients(() => body(xsSaved, constSaved), [...xsSaved, ...variables], dy);
        }),
    };
  });
  return f(...inputs, ...variables);
}
