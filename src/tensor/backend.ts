/**
 * Backend choice. tfjs is the tensor layer; which engine runs the kernels is picked once at start-up:
 *   tfjs-node-gpu (CUDA) > webgpu (Dawn on Vulkan; only a hardware adapter, only where a GPU device file
 *   exists) > tfjs-node (libtensorflow CPU) > native (this kit's BLAS addon) > wasm > cpu.
 * `ZS_BACKEND` forces one (`node-gpu`, `node`, `native`, `wasm`, `cpu`, `webgpu`); a forced backend that
 * cannot start is an error rather than a silent fallback, because benchmark numbers would lie.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS bundle registers neither gradients nor the chained-op methods (`t.reshape(…)`);
// the @tensorflow/tfjs umbrella package would, at the cost of loading webgl/layers/converter too.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as fs from 'fs';
import * as path from 'path';
import { applyWasmPatches } from './wasm-patches';

export type BackendChoice = 'node-gpu' | 'node' | 'native' | 'wasm' | 'cpu' | 'webgpu';
export const BACKEND_CHOICES: BackendChoice[] = ['node-gpu', 'node', 'native', 'wasm', 'cpu', 'webgpu'];

/**
 * Optional backends register themselves when their module is loaded; each loader returns the tfjs backend name.
 * `auto` is true when trying the automatic order, where webgpu takes no software adapter and waits less.
 */
const loaders: Record<BackendChoice, (auto: boolean) => Promise<string>> = {
  'node-gpu': async () => loadTfjsNode('@tensorflow/tfjs-node-gpu'),
  node: async () => loadTfjsNode('@tensorflow/tfjs-node'),
  native: async () => {
    const m = require('./native-backend');
    return m.registerNativeBackend();
  },
  wasm: async () => {
    require('@tensorflow/tfjs-backend-wasm');
    applyWasmPatches();
    return 'wasm';
  },
  cpu: async () => 'cpu',
  webgpu: async (auto) => {
    const m = require('./webgpu-backend');
    return auto ? m.registerWebGpuBackendIfHardware() : m.registerWebGpuBackend();
  },
};

/**
 * tfjs-node(-gpu) downloads libtensorflow at install time; where that failed (no network, no CUDA 11.2)
 * the package may be present without its binding. Check for the binding before loading the package, which
 * would otherwise pull in the whole @tensorflow/tfjs umbrella only to fail.
 */
function loadTfjsNode(pkg: string): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  const lib = path.join(dir, 'lib');
  const hasBinding = fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
  if (!hasBinding) throw new Error(`${pkg} has no libtensorflow binding (its install-time download failed or was skipped)`);
  require(pkg);
  return 'tensorflow';
}

let chosen: { choice: BackendChoice; name: string } | null = null;
let pending: Promise<{ choice: BackendChoice; name: string }> | null = null;

async function tryBackend(choice: BackendChoice, auto: boolean): Promise<string> {
  const name = await loaders[choice](auto);
  const ok = await tf.setBackend(name);
  // The cpu backend greets Node users once with advice to install tfjs-node; we already chose.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  if (!ok) throw new Error(`tfjs could not initialise backend '${name}'`);
  await tf.ready();
  // A one-op smoke test: some backends register but fail on first use (missing libtensorflow, no GPU).
  const probe = tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync()[0]);
  if (probe !== 2) throw new Error(`backend '${name}' failed its smoke test`);
  return name;
}

/**
 * Initialise the tensor backend once and return its name. Safe to call many times.
 * `log` prints the choice once (to stderr, so JSON on stdout stays clean).
 */
export function initBackend(opts: { backend?: BackendChoice; log?: boolean } = {}): Promise<{ choice: BackendChoice; name: string }> {
  if (chosen) return Promise.resolve(chosen);
  if (pending) return pending;
  pending = (async () => {
    const forced = opts.backend ?? (process.env.ZS_BACKEND as BackendChoice | undefined);
    if (forced && !BACKEND_CHOICES.includes(forced)) {
      throw new Error(`ZS_BACKEND='${forced}' is not a backend; expected one of ${BACKEND_CHOICES.join(', ')}`);
    }
    // 'native' (the OpenBLAS addon) is skipped, with a one-line reason, when it was not built.
    // webgpu is tried only where a GPU device file exists (a file check; Dawn is not loaded otherwise).
    const gpu: BackendChoice[] = !forced && require('./webgpu-backend').gpuDevicePresent() ? ['webgpu'] : [];
    const order: BackendChoice[] = forced ? [forced] : ['node-gpu', ...gpu, 'node', 'native', 'wasm', 'cpu'];
    const failures: string[] = [];
    for (const choice of order) {
      try {
        const name = await tryBackend(choice, !forced);
        chosen = { choice, name };
        if (opts.log ?? process.env.ZS_QUIET !== '1') {
          process.stderr.write(
            `[zerosearch] tensor backend: ${choice} (tfjs '${name}')${failures.length ? `; skipped ${failures.map((f) => f.split(':')[0]).join(', ')}` : ''}\n`,
          );
          // Falling back from native costs most of the speed; say why and how to get it back.
          const native = failures.find((f) => f.startsWith('native:'));
          if (native && (choice === 'wasm' || choice === 'cpu')) {
            const reason = native.slice('native: '.length);
            const fix = reason.includes('not built')
              ? 'install OpenBLAS and a C++ toolchain, then build it: sudo apt-get install -y libopenblas-dev g++ make && npm run build:native'
              : reason;
            process.stderr.write(`[zerosearch] native backend unavailable, running on ${choice} at roughly 0.1x its speed: ${fix}\n`);
          }
        }
        return chosen;
      } catch (err) {
        failures.push(`${choice}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    pending = null;
    throw new Error(`no tensor backend could start:\n  ${failures.join('\n  ')}`);
  })();
  return pending;
}

/** The backend chosen by initBackend, or null before it ran. */
export function currentBackend(): { choice: BackendChoice; name: string } | null {
  return chosen;
}
