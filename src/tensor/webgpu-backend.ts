/**
 * The `webgpu` tensor backend: @tensorflow/tfjs-backend-webgpu's kernels (WGSL shaders) on Dawn, the WebGPU
 * implementation in the `webgpu` npm package, which reaches GPUs through the system Vulkan loader.
 * Both packages are optional dependencies.
 *
 * Dawn runs on a worker thread behind a small bridge (webgpu-bridge.ts) so that `dataSync()` works, which the
 * model and RL code use for losses, logits and checkpoints. Two of tfjs's kernels are replaced
 * (webgpu-kernels.ts): AddN for many inputs, and a deterministic gather gradient.
 *
 * A software adapter (Mesa's lavapipe/llvmpipe, SwiftShader) computes correctly but slower than the wasm
 * backend, so a run that asks for a GPU refuses one unless `ZS_WEBGPU_ALLOW_SOFTWARE=1` (the tests set it:
 * lavapipe is how CI exercises the GPU code path without a GPU).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { AdapterInfo, BridgeBuffer, BridgeDevice, installWebGpuGlobals, startGpuThread } from './webgpu-bridge';
import { patchWebGpuKernels } from './webgpu-kernels';

export type { AdapterInfo } from './webgpu-bridge';

/** How long a start may wait for Dawn's adapter; the automatic choice waits less (it must not slow start-up). */
const FORCED_TIMEOUT_MS = 30_000;
const AUTO_TIMEOUT_MS = 5_000;

let adapter: AdapterInfo | null = null;

/** The adapter the webgpu backend runs on, or null before it started. */
export function webGpuAdapter(): AdapterInfo | null {
  return adapter;
}

/** True for CPU implementations of Vulkan/WebGPU: Dawn's fallback flag, or a known software driver's name. */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  if (info.isFallbackAdapter || info.architecture === 'software') return true;
  return /lavapipe|llvmpipe|swiftshader|softpipe|software/i.test(`${info.vendor} ${info.device} ${info.description}`);
}

export function describeAdapter(info: AdapterInfo): string {
  return `vendor=${info.vendor || '?'} architecture=${info.architecture || '?'} description="${info.description || info.device || '?'}"`;
}

function webgpuEntry(): string | null {
  try {
    return require.resolve('webgpu');
  } catch {
    return null;
  }
}

/**
 * Cheap test, for the automatic backend order, of whether a GPU could be behind Dawn: the `webgpu` package is
 * installed and the machine has an NVIDIA or DRM render device. Touches no driver.
 */
export function gpuDevicePresent(): boolean {
  if (!webgpuEntry()) return false;
  if (fs.existsSync('/dev/nvidia0')) return true;
  try {
    return fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

type TensorData = { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: unknown; complexTensorInfos?: unknown };
type WebGpuBackendInternals = {
  tensorMap: { get(id: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): BridgeBuffer; releaseBuffer(b: BridgeBuffer): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: { copyBufferToBuffer(s: BridgeBuffer, so: number, d: BridgeBuffer, dO: number, n: number): void };
  convertAndCacheOnCPU(id: object, v: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
};

/**
 * tfjs-backend-webgpu's `readSync` draws through an OffscreenCanvas, which Node lacks; this one copies the
 * tensor into a staging buffer and reads it through the bridge, the same steps as its async `read`.
 */
function readSyncThroughBridge(this: WebGpuBackendInternals, dataId: object): tf.backend_util.BackendValues {
  const d = this.tensorMap.get(dataId);
  if (d.values != null || d.dtype === 'string') return d.values as tf.backend_util.BackendValues;
  if (d.dtype === 'complex64') throw new Error('webgpu backend: synchronous reads of complex64 tensors are not supported; use await t.data()');
  const buffer = d.resource as BridgeBuffer;
  const staging = this.bufferManager.acquireBuffer(buffer.size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
  this.ensureCommandEncoderReady();
  this.endComputePassEncoder();
  this.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  this.submitQueue();
  void staging.mapAsync(GPUMapMode.READ); // completes before it returns (see BridgeBuffer.mapAsync)
  const bytes = staging.getMappedRange().slice(0);
  staging.unmap();
  this.bufferManager.releaseBuffer(staging);
  const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, d.dtype) as tf.backend_util.BackendValues;
  return this.convertAndCacheOnCPU(dataId, values);
}

/**
 * Starts Dawn, reports the adapter once (stderr, unless ZS_QUIET=1), and registers tfjs backend 'webgpu' on
 * it. Refuses a software adapter unless `allowSoftware`. Returns the tfjs backend name.
 */
export async function registerWebGpuBackend(opts: { allowSoftware?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const allowSoftware = opts.allowSoftware ?? process.env.ZS_WEBGPU_ALLOW_SOFTWARE === '1';
  if (tf.findBackend('webgpu')) return 'webgpu';
  const entry = webgpuEntry();
  if (!entry) throw new Error("webgpu: the optional package 'webgpu' is not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu)");
  const thread = await startGpuThread(entry, { timeoutMs: opts.timeoutMs ?? FORCED_TIMEOUT_MS });
  if (isSoftwareAdapter(thread.info) && !allowSoftware) {
    await thread.close();
    throw new Error(
      `webgpu: adapter is software (${describeAdapter(thread.info)}); it is slower than the wasm backend. Set ZS_WEBGPU_ALLOW_SOFTWARE=1 to use it anyway (tests do)`,
    );
  }
  const device = await thread.openDevice();
  adapter = thread.info;
  if (process.env.ZS_QUIET !== '1') process.stderr.write(`[zerosearch] webgpu adapter: ${describeAdapter(adapter)}\n`);

  // tfjs-backend-webgpu registers its own backend at import time when `navigator.gpu` exists; load it before
  // setting navigator.gpu so that only ours (on the bridge) is registered. Its constructor then needs the flag.
  installWebGpuGlobals();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { WebGPUBackend, webgpu_util } = require('@tensorflow/tfjs-backend-webgpu') as {
    WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend;
    webgpu_util: Parameters<typeof patchWebGpuKernels>[1];
  };
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: device, configurable: true });
  else (globalThis as Record<string, unknown>).navigator = { gpu: device };
  patchWebGpuKernels(device.limits.maxStorageBuffersPerShaderStage, webgpu_util);
  tf.registerBackend('webgpu', () => {
    const backend = new WebGPUBackend(device as BridgeDevice, adapter);
    (backend as unknown as { readSync: typeof readSyncThroughBridge }).readSync = readSyncThroughBridge;
    // Without GPU timestamp queries (the bridge offers none) tfjs's webgpu timer reports 0 ms for every kernel;
    // saying no timer exists makes tf.profile time each kernel to its result on the CPU instead.
    backend.timerAvailable = () => false;
    return backend;
  });
  return 'webgpu';
}

/** The automatic order's variant: short wait, never a software adapter. */
export function registerWebGpuBackendIfHardware(): Promise<string> {
  return registerWebGpuBackend({ allowSoftware: false, timeoutMs: AUTO_TIMEOUT_MS });
}
