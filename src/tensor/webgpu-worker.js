'use strict';
/**
 * The GPU thread of the webgpu backend (see webgpu-bridge.ts). Dawn (the `webgpu` package) lives here, not on
 * the main thread, because WebGPU can only read results back asynchronously (`mapAsync` completes on a later
 * event-loop turn) while tfjs's `dataSync()` must return at once. Here the event loop keeps turning while the
 * main thread sleeps in `Atomics.wait`, so a read can finish and wake it.
 *
 * Messages: batches of commands `[op, ...args]` on `workerData.port`; GPU objects are named by integer ids
 * that the main thread chose. Plain JavaScript so that a worker needs no TypeScript loader.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');

const { port, flag, webgpuEntry, dawnOptions } = workerData;
const objects = new Map();
/** Ids of objects that tfjs uses only until the next submit (bind groups, encoders): dropped then. */
let transient = [];
/** Validation and out-of-memory errors, handed to the main thread with the next read. */
const errors = [];
// Dawn frees its instance when the GPU object is collected, even with a device alive: hold both for good.
let gpu = null;
let device = null;

function get(id) {
  const o = objects.get(id);
  if (o === undefined) throw new Error(`webgpu worker: no object with id ${id}`);
  return o;
}
function keep(id, o, isTransient) {
  objects.set(id, o);
  if (isTransient) transient.push(id);
}

const ops = {
  createBuffer(id, desc) { keep(id, device.createBuffer(desc), false); },
  writeMapped(id, data) {
    const b = get(id);
    new Uint8Array(b.getMappedRange()).set(new Uint8Array(data));
    b.unmap();
  },
  destroyBuffer(id) { get(id).destroy(); objects.delete(id); },
  writeBuffer(id, offset, data) { device.queue.writeBuffer(get(id), offset, data); },
  createShaderModule(id, desc) { keep(id, device.createShaderModule(desc), false); },
  createComputePipeline(id, desc) {
    const compute = { ...desc.compute, module: get(desc.compute.module) };
    keep(id, device.createComputePipeline({ ...desc, compute }), false);
  },
  getBindGroupLayout(id, pipelineId, index) { keep(id, get(pipelineId).getBindGroupLayout(index), true); },
  createBindGroup(id, desc) {
    const entries = desc.entries.map((e) => ({ binding: e.binding, resource: { ...e.resource, buffer: get(e.resource.buffer) } }));
    keep(id, device.createBindGroup({ ...desc, layout: get(desc.layout), entries }), true);
  },
  createCommandEncoder(id) { keep(id, device.createCommandEncoder(), true); },
  beginComputePass(id, encoderId, desc) { keep(id, get(encoderId).beginComputePass(desc), true); },
  setPipeline(passId, pipelineId) { get(passId).setPipeline(get(pipelineId)); },
  setBindGroup(passId, index, groupId) { get(passId).setBindGroup(index, get(groupId)); },
  dispatchWorkgroups(passId, x, y, z) { get(passId).dispatchWorkgroups(x, y, z); },
  end(passId) { get(passId).end(); },
  copyBufferToBuffer(encoderId, src, srcOffset, dst, dstOffset, size) {
    get(encoderId).copyBufferToBuffer(get(src), srcOffset, get(dst), dstOffset, size);
  },
  finish(id, encoderId) { keep(id, get(encoderId).finish(), true); },
  submit(commandBufferIds) {
    device.queue.submit(commandBufferIds.map(get));
    for (const id of transient) objects.delete(id);
    transient = [];
  },
};

/** Maps a MAP_READ buffer, sends its bytes and wakes the main thread (always, even on failure). */
async function read(id, offset, size) {
  let reply;
  try {
    const b = get(id);
    await b.mapAsync(GPUMapMode.READ, offset, size);
    const data = b.getMappedRange(offset, size).slice(0);
    b.unmap();
    reply = { data, errors: errors.splice(0) };
  } catch (err) {
    reply = { error: String(err && err.message ? err.message : err), errors: errors.splice(0) };
  }
  port.postMessage(reply, reply.data ? [reply.data] : []);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function runBatch(batch) {
  for (const [op, ...args] of batch) {
    if (op === 'read') { await read(...args); continue; }
    try {
      ops[op](...args);
    } catch (err) {
      errors.push(`${op}: ${err && err.message ? err.message : err}`);
    }
  }
}

async function start() {
  const { create, globals } = await import(pathToFileURL(webgpuEntry).href);
  Object.assign(globalThis, globals);
  gpu = create(dawnOptions);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    parentPort.postMessage({ type: 'no-adapter' });
    return;
  }
  const i = adapter.info;
  const info = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: Boolean(i.isFallbackAdapter) };
  parentPort.postMessage({ type: 'adapter', info });
  const go = await new Promise((resolve) => parentPort.once('message', resolve));
  if (!go.createDevice) return;
  // The limits tfjs-backend-webgpu asks for (its base.ts): the adapter's maxima, not WebGPU's small defaults;
  // and as many storage buffers per shader as the adapter has, since each kernel input is one.
  const a = adapter.limits;
  device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    },
  });
  device.addEventListener('uncapturederror', (e) => errors.push(e.error.message));
  device.lost.then((l) => errors.push(`device lost: ${l.message}`));
  const limits = {};
  for (const k of Object.getOwnPropertyNames(Object.getPrototypeOf(device.limits))) {
    if (typeof device.limits[k] === 'number') limits[k] = device.limits[k];
  }
  let chain = Promise.resolve();
  port.on('message', (batch) => { chain = chain.then(() => runBatch(batch)); });
  parentPort.postMessage({ type: 'ready', limits, features: [...device.features] });
}

start().catch((err) => parentPort.postMessage({ type: 'failed', message: String(err && err.stack ? err.stack : err) }));
