/**
 * Adam with tf.train.adam's exact update rule and state layout (moments m, v per variable, in the
 * same order, so getWeights/setWeights and checkpoints stay compatible), but on the 'native'
 * backend each variable is updated by one fused C++ pass instead of ~12 tfjs ops:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * On every other backend it is tf.train.adam itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, floatValues, valuesOf } from './native-backend';
import { NativeBackendCPU } from './native-memory';

/** The parts of tfjs's AdamOptimizer state this class reuses (private there, same names and meaning). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getBackend() !== NATIVE_BACKEND) {
      super.applyGradients(variableGradients);
      return;
    }
    const addon = loadNativeAddon();
    const backend = tf.backend() as NativeBackendCPU;
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const accBeta1 = state.accBeta1.dataSync()[0];
    const accBeta2 = state.accBeta2.dataSync()[0];
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (!value) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
      state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      if (value.dtype !== 'float32' || gradient.dtype !== 'float32') throw new Error(`FusedAdamOptimizer: ${name} must be float32`);
      const m = state.accumulatedFirstMoment[i].variable;
      const v = state.accumulatedSecondMoment[i].variable;
      addon.adam(ownedValues(backend, value), ownedValues(backend, m), ownedValues(backend, v), floatValues(backend, gradient),
        this.learningRate, this.beta1, this.beta2, this.epsilon, 1 - accBeta1, 1 - accBeta2);
    });
    tf.tidy(() => {
      state.accBeta1.assign(tf.scalar(accBeta1 * this.beta1));
      state.accBeta2.assign(tf.scalar(accBeta2 * this.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * The variable's values, safe to update in place: a pooled buffer that no other tensor shares.
 * The first time, a variable built from a caller's array (or sharing data with a tensor) gets a
 * private copy, so in-place updates never reach memory someone else can see.
 */
function ownedValues(backend: NativeBackendCPU, variable: tf.Variable): Float32Array {
  const values = valuesOf(backend, variable);
  if (backend.isPooled(values) && backend.refCount(variable.dataId) === 1) return values as Float32Array;
  tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(0))));
  return valuesOf(backend, variable) as Float32Array;
}

/** tf.train.adam's signature and defaults; fused on 'native'. */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
