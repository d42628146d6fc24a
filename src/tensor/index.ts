export * as tf from '@tensorflow/tfjs-core';
export { initBackend, currentBackend, BACKEND_CHOICES } from './backend';
export type { BackendChoice } from './backend';
