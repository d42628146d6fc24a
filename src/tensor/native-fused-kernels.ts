/**
 * Fused kernels of the 'native' backend (names prefixed `Zs`). They exist only on 'native'; the
 * functions in ops.ts call them there and compose ordinary tfjs ops everywhere else. Each forward
 * kernel returns what its gradient kernel needs (rstd, softmax probabilities) as extra outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native-addon';
import { NATIVE_BACKEND, valuesOf } from './native-backend';
import { NativeBackendCPU } from './native-memory';

type Info = tf.TensorInfo;
type F32 = Float32Array;

function registerFused(name: string, fn: (inputs: Record<string, Info>, attrs: Record<string, unknown>, b: NativeBackendCPU) => Info[]): void {
  tf.registerKernel({
    kernelName: name,
    backendName: NATIVE_BACKEND,
    kernelFunc: ({ inputs, attrs, backend }) => fn(inputs as Record<string, Info>, attrs as Record<string, unknown>, backend as NativeBackendCPU),
  });
}

function requireFloat(name: string, ...infos: Info[]): void {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${name}: expected float32 inputs, got ${t.dtype}`);
}

export function registerFusedKernels(addon: NativeAddon): void {
  const f32 = (b: NativeBackendCPU, t: Info) => valuesOf(b, t) as F32;

  registerFused('ZsRmsNorm', ({ x, weight }, attrs, b) => {
    requireFloat('rmsNorm', x, weight);
    const d = x.shape[x.shape.length - 1];
    const y = b.allocFloat32(x.shape.reduce((p, q) => p * q, 1));
    const rstd = b.allocFloat32(y.length / d);
    addon.rmsNorm(f32(b, x), f32(b, weight), y, rstd, attrs.eps as number);
    return [b.makeTensorInfo(x.shape, 'float32', y), b.makeTensorInfo(x.shape.slice(0, -1), 'float32', rstd)];
  });
  registerFused('ZsRmsNormGrad', ({ x, weight, rstd, dy }, _attrs, b) => {
    const dx = b.allocFloat32(dy.shape.reduce((p, q) => p * q, 1));
    const dw = b.allocFloat32(weight.shape[0]);
    addon.rmsNormGrad(f32(b, x), f32(b, weight), f32(b, rstd), f32(b, dy), dx, dw);
    return [b.makeTensorInfo(x.shape, 'float32', dx), b.makeTensorInfo(weight.shape, 'float32', dw)];
  });

  registerFused('ZsSwiglu', ({ gate, up }, _attrs, b) => {
    requireFloat('swiglu', gate, up);
    const y = b.allocFloat32(f32(b, gate).length);
    addon.swiglu(f32(b, gate), f32(b, up), y);
    return [b.makeTensorInfo(gate.shape, 'float32', y)];
  });
  registerFused('ZsSwigluGrad', ({ gate, up, dy }, _attrs, b) => {
    const dgate = b.allocFloat32(f32(b, gate).length);
    const dup = b.allocFloat32(dgate.length);
    addon.swigluGrad(f32(b, gate), f32(b, up), f32(b, dy), dgate, dup);
    return [b.makeTensorInfo(gate.shape, 'float32', dgate), b.makeTensorInfo(up.shape, 'float32', dup)];
  });

  registerFused('ZsSoftmaxXent', ({ logits, labels }, _attrs, b) => {
    requireFloat('softmaxCrossEntropy', logits);
    const probs = b.allocFloat32(f32(b, logits).length);
    const labelValues = valuesOf(b, labels) as Int32Array;
    const loss = b.allocFloat32(labelValues.length);
    const bad = addon.softmaxXent(f32(b, logits), labelValues, loss, probs);
    if (bad >= 0) throw new Error(`softmaxCrossEntropy: label ${labelValues[bad]} at row ${bad} is not in [0, ${logits.shape[logits.shape.length - 1] - 1}]`);
    return [b.makeTensorInfo(labels.shape, 'float32', loss), b.makeTensorInfo(logits.shape, 'float32', probs)];
  });
  registerFused('ZsSoftmaxXentGrad', ({ probs, labels, dloss }, _attrs, b) => {
    const dlogits = b.allocFloat32(f32(b, probs).length);
    addon.softmaxXentGrad(f32(b, probs), valuesOf(b, labels) as Int32Array, f32(b, dloss), dlogits);
    return [b.makeTensorInfo(probs.shape, 'float32', dlogits)];
  });
}
