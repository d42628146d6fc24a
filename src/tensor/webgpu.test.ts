/**
 * The webgpu backend against the cpu backend, kernel by kernel and over a few training steps of the kit's own
 * transformer. Needs a WebGPU adapter: on machines without a GPU, `npm run test:webgpu` provides Mesa's
 * lavapipe (scripts/setup-lavapipe.sh) and sets ZS_WEBGPU_REQUIRED=1, under which a backend that cannot start
 * fails these tests; elsewhere (plain `npm test` with no adapter) they are skipped, saying why.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './backend'; // registers gradients and chained ops
import { AdapterInfo, describeAdapter, isSoftwareAdapter, registerWebGpuBackend, webGpuAdapter } from './webgpu-backend';
import { createModel } from '../model';
import { assertClose, onBoth as onCpuAnd } from './compare.testutil';

let unavailable: string | null = null;

before(async () => {
  // First without permission for software: on lavapipe this must be refused, naming the way out.
  let refused: Error | null = null;
  try {
    await registerWebGpuBackend({ allowSoftware: false });
  } catch (err) {
    refused = err as Error;
  }
  if (refused && /adapter is software/.test(refused.message)) {
    assert.match(refused.message, /ZS_WEBGPU_ALLOW_SOFTWARE=1/);
    assert.equal(webGpuAdapter(), null, 'a refused adapter must not be reported as in use');
    await registerWebGpuBackend({ allowSoftware: true });
  } else if (refused) {
    if (process.env.ZS_WEBGPU_REQUIRED === '1') throw refused;
    unavailable = refused.message;
  } else {
    assert.equal(isSoftwareAdapter(webGpuAdapter()!), false, 'a software adapter was accepted without permission');
  }
});

function skipIfUnavailable(t: { skip(msg: string): void }): boolean {
  if (unavailable) t.skip(`no WebGPU adapter: ${unavailable}`);
  return unavailable !== null;
}

const onBoth = async (f: () => tf.Tensor | tf.Tensor[]) => {
  const { cpu, other } = await onCpuAnd('webgpu', f);
  return { cpu, gpu: other };
};

test('software adapters are recognised by flag or driver name, hardware ones are not', () => {
  const info = (o: Partial<AdapterInfo>): AdapterInfo => ({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false, ...o });
  assert.ok(isSoftwareAdapter(info({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' })));
  assert.ok(isSoftwareAdapter(info({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' })));
  assert.ok(isSoftwareAdapter(info({ vendor: 'mesa', description: 'lavapipe' })));
  assert.ok(isSoftwareAdapter(info({ vendor: 'x', isFallbackAdapter: true })));
  assert.equal(isSoftwareAdapter(info({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' })), false);
  assert.equal(isSoftwareAdapter(info({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' })), false);
});

test('the adapter in use is reported with vendor, architecture and description', (t) => {
  if (skipIfUnavailable(t)) return;
  const info = webGpuAdapter();
  assert.ok(info, 'webGpuAdapter() is null after the backend started');
  assert.ok(info.vendor.length > 0 && info.description.length > 0, JSON.stringify(info));
  t.diagnostic(`adapter: ${describeAdapter(info)}${isSoftwareAdapter(info) ? ' (software)' : ''}`);
});

test('matmul agrees with cpu for transposes, batches, broadcast batches and gradients', async (t) => {
  if (skipIfUnavailable(t)) return;
  const n = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const cases: Array<() => tf.Tensor | tf.Tensor[]> = [
    () => tf.matMul(n([33, 70], 1), n([70, 45], 2)),
    () => tf.matMul(n([6, 7], 3), n([4, 7], 4), false, true),
    () => tf.matMul(n([7, 6], 3), n([7, 4], 4), true, false),
    () => tf.matMul(n([7, 6], 3), n([4, 7], 4), true, true),
    () => tf.matMul(n([3, 5, 7], 5), n([3, 7, 4], 6)),
    () => tf.matMul(n([2, 3, 5, 8], 7), n([2, 3, 6, 8], 8), false, true), // attention scores: q·kᵀ per head
    () => tf.matMul(n([4, 5, 7], 9), n([1, 7, 3], 10)), // broadcast batch
    () => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, false, true))))([n([3, 5, 7], 11), n([3, 4, 7], 12)]),
  ];
  for (const c of cases) {
    const { cpu, gpu } = await onBoth(c);
    assertClose(cpu, gpu, 1e-4, 'webgpu');
  }
});

test('softmax, log-softmax and their gradients agree with cpu, also for large logits', async (t) => {
  if (skipIfUnavailable(t)) return;
  const logits = () => tf.mul(tf.randomNormal([4, 1000], 0, 1, 'float32', 21), tf.tensor1d([1, 10, 60, 0.01]).reshape([4, 1]));
  const { cpu, gpu } = await onBoth(() => {
    const x = logits();
    const w = tf.randomUniform([4, 1000], 0, 1, 'float32', 22);
    const [gSoft] = tf.grads((z: tf.Tensor) => tf.sum(tf.mul(tf.softmax(z), w)))([x]);
    const [gLog] = tf.grads((z: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(z), w)))([x]);
    return [tf.softmax(x), tf.logSoftmax(x), gSoft, gLog];
  });
  assertClose(cpu, gpu, 2e-4, 'webgpu');
  assert.ok(
    gpu.every((out) => out.every(Number.isFinite)),
    'softmax of large logits must stay finite',
  );
});

test('gather and its gradient (unsorted segment sum) agree with cpu, including repeated ids', async (t) => {
  if (skipIfUnavailable(t)) return;
  const { cpu, gpu } = await onBoth(() => {
    const table = tf.randomNormal([50, 16], 0, 1, 'float32', 31);
    const ids = tf.tensor1d([0, 49, 49, 7, 0, 0, 13], 'int32');
    const weights = tf.randomNormal([7, 16], 0, 1, 'float32', 32);
    const [g] = tf.grads((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, ids), weights)))([table]);
    return [tf.gather(table, ids), g];
  });
  assertClose(cpu, gpu, 1e-4, 'webgpu');
  // Row 0 is gathered at positions 0, 4 and 5: its gradient is the sum of those weight rows.
  const w = tf.tidy(() => tf.randomNormal([7, 16], 0, 1, 'float32', 32).arraySync() as number[][]);
  for (let j = 0; j < 16; j++) assert.ok(Math.abs(gpu[1][j] - (w[0][j] + w[4][j] + w[5][j])) < 1e-4);
});

test('segment sums agree with cpu and are deterministic (same bits every run), drop negative ids, keep trailing dims', async (t) => {
  if (skipIfUnavailable(t)) return;
  // Many positions per segment: with float atomics the summation order, hence the last bits, varies by run.
  const ids = Array.from({ length: 6000 }, (_, i) => ((i * 7919) % 5) - (i % 97 === 0 ? 6 : 0));
  const f = () => tf.unsortedSegmentSum(tf.randomNormal([6000, 2, 3], 0, 1, 'float32', 41), tf.tensor1d(ids, 'int32'), 5);
  const { cpu, gpu } = await onBoth(f);
  assertClose(cpu, gpu, 1e-3, 'webgpu');
  const again = await onBoth(f);
  assert.deepEqual(again.gpu, gpu, 'two runs on webgpu differ');
  await tf.setBackend('webgpu');
  const shaped = tf.tidy(() => f().shape);
  assert.deepEqual(shaped, [5, 2, 3]);
});

test('int32 and bool tensors, sums of many tensors and async reads come back exactly', async (t) => {
  if (skipIfUnavailable(t)) return;
  await tf.setBackend('webgpu');
  const ints = tf.tensor1d([3, -7, 2147483647, 0], 'int32');
  assert.deepEqual(Array.from(ints.dataSync()), [3, -7, 2147483647, 0]);
  const flags = tf.greater(tf.tensor1d([1, 5, 2]), tf.scalar(2));
  assert.deepEqual(Array.from(flags.dataSync()), [0, 1, 0]);
  // More inputs than a shader has storage buffers: the gradient norm of a model sums one tensor per parameter.
  const parts = Array.from({ length: 40 }, (_, i) => tf.fill([3], i));
  const total = tf.addN(parts);
  assert.deepEqual(Array.from(await total.data()), [780, 780, 780]);
  tf.dispose([ints, flags, total, ...parts]);
});

test('three Adam steps of a small transformer match cpu (losses and weights) without leaking tensors', async (t) => {
  if (skipIfUnavailable(t)) return;
  const ids = [
    [1, 2, 3, 4, 5, 6, 7, 8],
    [1, 2, 3, 9, 10, 11, 2, 5],
  ];
  const mask = ids.map((r) => r.map((_, i) => (i >= 2 ? 1 : 0)));
  const train = async (backend: string) => {
    await tf.setBackend(backend);
    const model = createModel({ vocabSize: 12, hiddenSize: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 64 }, 7);
    const optimizer = tf.train.adam(1e-2);
    const losses: number[] = [];
    let tensorsAfterFirst = -1;
    for (let step = 0; step < 3; step++) {
      const loss = optimizer.minimize(() => model.lossOnTargets(ids, mask), true, model.trainableVariables())!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, tensorsAfterFirst, `${backend}: tensor count grew at step ${step}`);
    }
    const weights = model.trainableVariables().map((v) => Array.from(v.dataSync()));
    optimizer.dispose();
    model.dispose();
    return { losses, weights };
  };
  const cpu = await train('cpu');
  const gpu = await train('webgpu');
  assertClose([cpu.losses], [gpu.losses], 1e-4);
  assertClose(cpu.weights, gpu.weights, 1e-3);
  assert.ok(gpu.losses[2] < gpu.losses[0], `loss should fall: ${gpu.losses.join(', ')}`);
});
