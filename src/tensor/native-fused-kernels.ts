/**
 * Fused kernels of the 'native' backend (names prefixed `Zs`). They exist only on 'native'; the
 * functions in ops.ts call them there and compose ordinary tfjs ops everywhere else. Each forward
 * kernel returns what its gradient kernel needs (rstd, softmax probabilities) as extra outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AttentionDims, NativeAddon } from './native-addon';
import { NATIVE_BACKEND, floatValues, valuesOf } from './native-memory';
import { NativeBackendCPU } from './native-memory';

type Info = tf.TensorInfo;

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
  const f32 = floatValues;
  const i32 = (b: NativeBackendCPU, t: Info) => {
    const v = valuesOf(b, t);
    return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
  };

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
    const labelValues = i32(b, labels);
    const loss = b.allocFloat32(labelValues.length);
    const bad = addon.softmaxXent(f32(b, logits), labelValues, loss, probs);
    if (bad >= 0) throw new Error(`softmaxCrossEntropy: label ${labelValues[bad]} at row ${bad} is not in [0, ${logits.shape[logits.shape.length - 1] - 1}]`);
    return [b.makeTensorInfo(labels.shape, 'float32', loss), b.makeTensorInfo(logits.shape, 'float32', probs)];
  });
  registerFused('ZsSoftmaxXentGrad', ({ probs, labels, dloss }, _attrs, b) => {
    const dlogits = b.allocFloat32(f32(b, probs).length);
    addon.softmaxXentGrad(f32(b, probs), i32(b, labels), f32(b, dloss), dlogits);
    return [b.makeTensorInfo(probs.shape, 'float32', dlogits)];
  });

  registerFused('ZsRope', ({ x, cos, sin }, attrs, b) => {
    requireFloat('rotaryEmbedding', x, cos, sin);
    const [rows, heads, hd] = x.shape;
    const out = b.allocFloat32(rows * heads * hd);
    addon.rope(f32(b, x), f32(b, cos), f32(b, sin), out, rows, heads, hd, attrs.transpose === true);
    return [b.makeTensorInfo(x.shape, 'float32', out)];
  });

  const attentionDims = (q: Info, k: Info, mask: Info | undefined, scale: number): AttentionDims => {
    const [B, H, T, hd] = q.shape;
    const [, Hkv, S] = k.shape;
    return { B, H, Hkv, T, S, hd, maskBatch: mask ? mask.shape[0] : 1, scale };
  };
  registerFused('ZsAttention', ({ q, k, v, mask }, attrs, b) => {
    requireFloat('maskedAttention', q, k, v, ...(mask ? [mask] : []));
    const dims = attentionDims(q, k, mask, attrs.scale as number);
    const out = b.allocFloat32(dims.B * dims.H * dims.T * dims.hd);
    const probs = b.allocFloat32(dims.B * dims.H * dims.T * dims.S);
    addon.attention(f32(b, q), f32(b, k), f32(b, v), mask ? f32(b, mask) : null, out, probs, dims);
    return [b.makeTensorInfo(q.shape, 'float32', out), b.makeTensorInfo([dims.B, dims.H, dims.T, dims.S], 'float32', probs)];
  });
  registerFused('ZsAttentionGrad', ({ q, k, v, probs, dy }, attrs, b) => {
    const dims = attentionDims(q, k, undefined, attrs.scale as number);
    const dq = b.allocFloat32(f32(b, q).length);
    const dk = b.allocFloat32(f32(b, k).length);
    const dv = b.allocFloat32(f32(b, v).length);
    addon.attentionGrad(f32(b, q), f32(b, k), f32(b, v), f32(b, probs), f32(b, dy), dq, dk, dv, dims);
    return [b.makeTensorInfo(q.shape, 'float32', dq), b.makeTensorInfo(k.shape, 'float32', dk), b.makeTensorInfo(v.shape, 'float32', dv)];
  });
}
