export * as tf from '@tensorflow/tfjs-core';
export { initBackend, currentBackend, BACKEND_CHOICES } from './backend';
export type { BackendChoice } from './backend';
export { webGpuAdapter, isSoftwareAdapter, describeAdapter } from './webgpu-backend';
export type { AdapterInfo } from './webgpu-backend';
export { rmsNorm, swiglu, softmaxCrossEntropy, rotaryEmbedding, maskedAttention, fusedAdamUpdate } from './ops';
export type { AdamStepSettings } from './ops';
