/**
 * The main-thread side of the webgpu backend: a stand-in for the part of the WebGPU API that
 * tfjs-backend-webgpu uses, whose calls are recorded as commands and run by Dawn on a worker thread
 * (webgpu-worker.js). Why: tfjs's `dataSync()` must return GPU results synchronously, which WebGPU cannot do
 * on the thread that owns the device; here a read sends its command, sleeps in `Atomics.wait` until the worker
 * has mapped the buffer, and takes the bytes with `receiveMessageOnPort`.
 *
 * Commands are batched and posted at each `queue.submit` (so the GPU starts while JavaScript carries on) and
 * before each read. GPU errors are raised on the next read, since WebGPU reports them asynchronously anyway.
 */
import * as path from 'node:path';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

type Command = [string, ...unknown[]];

// WebGPU's flag constants (spec values), needed by tfjs-backend-webgpu as globals.
const BUFFER_USAGE = {
  MAP_READ: 1,
  MAP_WRITE: 2,
  COPY_SRC: 4,
  COPY_DST: 8,
  INDEX: 16,
  VERTEX: 32,
  UNIFORM: 64,
  STORAGE: 128,
  INDIRECT: 256,
  QUERY_RESOLVE: 512,
};
const MAP_MODE = { READ: 1, WRITE: 2 };
const TEXTURE_USAGE = { COPY_SRC: 1, COPY_DST: 2, TEXTURE_BINDING: 4, STORAGE_BINDING: 8, RENDER_ATTACHMENT: 16 };
/** A read that takes longer than this means the worker died or the GPU hung: fail instead of sleeping forever. */
const READ_TIMEOUT_MS = 600_000;

class Channel {
  private commands: Command[] = [];
  private transfers: ArrayBuffer[] = [];
  private nextId = 1;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  readonly port: MessagePort;
  readonly remotePort: MessagePort;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.remotePort = port2;
  }

  sharedFlag(): Int32Array {
    return this.flag;
  }
  id(): number {
    return this.nextId++;
  }

  send(cmd: Command, transfer?: ArrayBuffer): void {
    this.commands.push(cmd);
    if (transfer) this.transfers.push(transfer);
  }

  flush(): void {
    if (this.commands.length === 0) return;
    this.port.postMessage(this.commands, this.transfers);
    this.commands = [];
    this.transfers = [];
  }

  /** Bytes [offset, offset+size) of a MAP_READ buffer, after every command sent so far has run. */
  read(bufferId: number, offset: number, size: number): ArrayBuffer {
    Atomics.store(this.flag, 0, 0);
    this.send(['read', bufferId, offset, size]);
    this.flush();
    if (Atomics.wait(this.flag, 0, 0, READ_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`webgpu: no answer from the GPU thread after ${READ_TIMEOUT_MS / 1000} s (worker died or GPU hung)`);
    }
    const msg = receiveMessageOnPort(this.port)?.message as { data?: ArrayBuffer; error?: string; errors: string[] } | undefined;
    if (!msg) throw new Error('webgpu: the GPU thread woke the reader without a reply');
    if (msg.errors.length) throw new Error(`webgpu: GPU errors before this read:\n  ${msg.errors.join('\n  ')}`);
    if (msg.error !== undefined || !msg.data) throw new Error(`webgpu: reading a buffer failed: ${msg.error}`);
    return msg.data;
  }
}

class Handle {
  constructor(
    readonly channel: Channel,
    readonly id: number,
  ) {}
}

export class BridgeBuffer extends Handle {
  mapState: 'unmapped' | 'mapped' = 'unmapped';
  private mapped: ArrayBuffer | null = null;
  private mappedForWrite = false;

  constructor(
    channel: Channel,
    id: number,
    readonly size: number,
    readonly usage: number,
    mappedAtCreation: boolean,
  ) {
    super(channel, id);
    if (mappedAtCreation) {
      this.mapState = 'mapped';
      this.mapped = new ArrayBuffer(size);
      this.mappedForWrite = true;
    }
  }

  /** Read mappings complete before this returns; the promise only keeps the WebGPU signature. */
  mapAsync(mode: number, offset = 0, size = this.size - offset): Promise<void> {
    if (mode !== MAP_MODE.READ) throw new Error('webgpu bridge: only GPUMapMode.READ can be mapped after creation');
    if (offset !== 0 || size !== this.size) throw new Error('webgpu bridge: only whole buffers can be mapped');
    this.mapped = this.channel.read(this.id, offset, size);
    this.mapState = 'mapped';
    return Promise.resolve();
  }

  getMappedRange(offset = 0, size?: number): ArrayBuffer {
    if (!this.mapped) throw new Error('webgpu bridge: getMappedRange on a buffer that is not mapped');
    if (offset !== 0 || (size !== undefined && size !== this.size)) throw new Error('webgpu bridge: only whole mapped ranges are supported');
    return this.mapped;
  }

  unmap(): void {
    if (this.mapped && this.mappedForWrite) this.channel.send(['writeMapped', this.id, this.mapped], this.mapped);
    this.mapped = null;
    this.mappedForWrite = false;
    this.mapState = 'unmapped';
  }

  destroy(): void {
    this.channel.send(['destroyBuffer', this.id]);
  }
}

/** tfjs checks `resource instanceof GPUTexture`; the bridge never creates textures (no canvas/pixel ops in Node). */
export class BridgeTexture {}

class BridgePipeline extends Handle {
  getBindGroupLayout(index: number): Handle {
    const layout = new Handle(this.channel, this.channel.id());
    this.channel.send(['getBindGroupLayout', layout.id, this.id, index]);
    return layout;
  }
}

class BridgeComputePass extends Handle {
  setPipeline(p: BridgePipeline): void {
    this.channel.send(['setPipeline', this.id, p.id]);
  }
  setBindGroup(index: number, g: Handle): void {
    this.channel.send(['setBindGroup', this.id, index, g.id]);
  }
  dispatchWorkgroups(x: number, y = 1, z = 1): void {
    this.channel.send(['dispatchWorkgroups', this.id, x, y, z]);
  }
  end(): void {
    this.channel.send(['end', this.id]);
  }
}

class BridgeCommandEncoder extends Handle {
  beginComputePass(desc: { label?: string; timestampWrites?: unknown } = {}): BridgeComputePass {
    if (desc.timestampWrites) throw new Error('webgpu bridge: timestamp queries are not supported');
    const pass = new BridgeComputePass(this.channel, this.channel.id());
    this.channel.send(['beginComputePass', pass.id, this.id, desc.label ? { label: desc.label } : {}]);
    return pass;
  }
  copyBufferToBuffer(src: BridgeBuffer, srcOffset: number, dst: BridgeBuffer, dstOffset: number, size: number): void {
    this.channel.send(['copyBufferToBuffer', this.id, src.id, srcOffset, dst.id, dstOffset, size]);
  }
  finish(): Handle {
    const commandBuffer = new Handle(this.channel, this.channel.id());
    this.channel.send(['finish', commandBuffer.id, this.id]);
    return commandBuffer;
  }
}

class BridgeQueue {
  constructor(private readonly channel: Channel) {}
  /** Copies the bytes now: tfjs may reuse `data` before the batch is posted. */
  writeBuffer(buffer: BridgeBuffer, offset: number, data: ArrayBuffer | ArrayBufferView, dataOffset = 0, size?: number): void {
    const unit = ArrayBuffer.isView(data) ? ((data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1) : 1;
    const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const start = dataOffset * unit;
    const bytes = view.slice(start, size === undefined ? undefined : start + size * unit).buffer;
    this.channel.send(['writeBuffer', buffer.id, offset, bytes], bytes);
  }
  submit(commandBuffers: Handle[]): void {
    this.channel.send(['submit', commandBuffers.map((c) => c.id)]);
    this.channel.flush();
  }
}

export class BridgeDevice {
  readonly queue: BridgeQueue;
  readonly features: Set<string>;

  constructor(
    private readonly channel: Channel,
    readonly limits: Record<string, number>,
    features: string[],
  ) {
    this.queue = new BridgeQueue(channel);
    // Timestamp queries would need query sets on the bridge; tfjs profiles without them (kernel times read 0).
    this.features = new Set(features.filter((f) => f !== 'timestamp-query'));
  }

  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): BridgeBuffer {
    const b = new BridgeBuffer(this.channel, this.channel.id(), desc.size, desc.usage, Boolean(desc.mappedAtCreation));
    this.channel.send(['createBuffer', b.id, { size: desc.size, usage: desc.usage, mappedAtCreation: Boolean(desc.mappedAtCreation) }]);
    return b;
  }
  createShaderModule(desc: { code: string; label?: string }): Handle {
    const m = new Handle(this.channel, this.channel.id());
    this.channel.send(['createShaderModule', m.id, { code: desc.code, label: desc.label }]);
    return m;
  }
  createComputePipeline(desc: { compute: { module: Handle; entryPoint?: string }; label?: string; layout: 'auto' }): BridgePipeline {
    if (desc.layout !== 'auto') throw new Error('webgpu bridge: only layout "auto" pipelines are supported');
    const p = new BridgePipeline(this.channel, this.channel.id());
    this.channel.send([
      'createComputePipeline',
      p.id,
      { label: desc.label, layout: 'auto', compute: { module: desc.compute.module.id, entryPoint: desc.compute.entryPoint } },
    ]);
    return p;
  }
  createComputePipelineAsync(desc: Parameters<BridgeDevice['createComputePipeline']>[0]): Promise<BridgePipeline> {
    return Promise.resolve(this.createComputePipeline(desc));
  }
  createBindGroup(desc: {
    layout: Handle;
    label?: string;
    entries: Array<{ binding: number; resource: { buffer: BridgeBuffer; offset?: number; size?: number } }>;
  }): Handle {
    const g = new Handle(this.channel, this.channel.id());
    const entries = desc.entries.map((e) => {
      if (!(e.resource?.buffer instanceof BridgeBuffer)) throw new Error('webgpu bridge: bind groups may only hold buffers');
      const r: Record<string, number> = { buffer: e.resource.buffer.id };
      if (e.resource.offset !== undefined) r.offset = e.resource.offset;
      if (e.resource.size !== undefined) r.size = e.resource.size;
      return { binding: e.binding, resource: r };
    });
    this.channel.send(['createBindGroup', g.id, { layout: desc.layout.id, label: desc.label, entries }]);
    return g;
  }
  createCommandEncoder(): BridgeCommandEncoder {
    const e = new BridgeCommandEncoder(this.channel, this.channel.id());
    this.channel.send(['createCommandEncoder', e.id]);
    return e;
  }
}

export interface GpuThread {
  info: AdapterInfo;
  /** Creates the device on the worker; call once, after deciding to use this adapter. */
  openDevice(): Promise<BridgeDevice>;
  /** Ends the worker (when the adapter is refused). */
  close(): Promise<void>;
}

/** Installs WebGPU's flag constants and the classes tfjs tests with `instanceof`, where Node has none. */
export function installWebGpuGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.GPUBufferUsage ??= BUFFER_USAGE;
  g.GPUMapMode ??= MAP_MODE;
  g.GPUTextureUsage ??= TEXTURE_USAGE;
  g.GPUBuffer = BridgeBuffer;
  g.GPUTexture = BridgeTexture;
}

/**
 * Starts the GPU thread and asks Dawn for its preferred (high-performance) adapter.
 * Rejects when `webgpu` cannot load, no adapter exists, or nothing answers within `timeoutMs`.
 */
export function startGpuThread(webgpuEntry: string, opts: { timeoutMs: number; dawnOptions?: string[] }): Promise<GpuThread> {
  const channel = new Channel();
  const worker = new Worker(path.join(__dirname, 'webgpu-worker.js'), {
    workerData: { port: channel.remotePort, flag: channel.sharedFlag(), webgpuEntry, dawnOptions: opts.dawnOptions ?? [] },
    transferList: [channel.remotePort],
    // tsx's loader is not needed in a plain-JS worker and would only slow its start.
    execArgv: [],
  });
  // Neither the worker nor its port may keep the process alive once the main thread is done.
  worker.unref();
  channel.port.unref();
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`webgpu: no adapter answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      timer.unref();
      const done = (fn: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        fn();
      };
      const onMessage = (m: Record<string, unknown>) => done(() => resolve(m));
      const onError = (err: Error) => done(() => reject(err));
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
  const fail = async (why: string): Promise<never> => {
    await worker.terminate();
    throw new Error(why);
  };
  return (async () => {
    const first = await next().catch((err: Error) => fail(err.message));
    if (first.type === 'no-adapter') return fail('webgpu: Dawn found no adapter (no Vulkan driver? set VK_ICD_FILENAMES or install the GPU driver)');
    if (first.type !== 'adapter') return fail(`webgpu: the GPU thread failed to start: ${String(first.message)}`);
    return {
      info: first.info as AdapterInfo,
      openDevice: async () => {
        worker.postMessage({ createDevice: true });
        const ready = await next().catch((err: Error) => fail(err.message));
        if (ready.type !== 'ready') return fail(`webgpu: creating the device failed: ${String(ready.message)}`);
        return new BridgeDevice(channel, ready.limits as Record<string, number>, ready.features as string[]);
      },
      close: async () => {
        await worker.terminate();
      },
    };
  })();
}
