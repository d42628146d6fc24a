/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}`, then the raw
 * little-endian tensor bytes (offsets relative to the end of the header).
 *
 * Reading opens the file once and reads each tensor's byte range on demand, so a multi-GB checkpoint is
 * never held in memory whole. Values come back as Float32Array whatever the stored float type.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range within the data section. */
  dataOffsets: [number, number];
}

/** An open .safetensors file; read tensors by name, then `close()`. */
export class SafetensorsFile {
  readonly tensors = new Map<string, SafetensorsEntry>();
  readonly metadata: Record<string, string> = {};
  private fd: number | null;
  private readonly dataStart: number;

  constructor(readonly file: string) {
    if (os.endianness() !== 'LE') throw new Error('safetensors: only little-endian machines are supported');
    if (!fs.existsSync(file)) throw new Error(`${file}: file not found (expected a .safetensors file)`);
    this.fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(this.fd).size;
      if (size < 8) throw new Error(`${file}: truncated safetensors file (${size} bytes; expected an 8-byte header length first)`);
      const lenBytes = Buffer.alloc(8);
      fs.readSync(this.fd, lenBytes, 0, 8, 0);
      const headerLength = Number(lenBytes.readBigUInt64LE(0));
      if (8 + headerLength > size) {
        throw new Error(`${file}: truncated safetensors file: header of ${headerLength} bytes runs past the end of the file (${size} bytes)`);
      }
      this.dataStart = 8 + headerLength;
      const headerBytes = Buffer.alloc(headerLength);
      fs.readSync(this.fd, headerBytes, 0, headerLength, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBytes.toString('utf8'));
      } catch (err) {
        throw new Error(`${file}: safetensors header is not valid JSON (${(err as Error).message})`);
      }
      const dataSize = size - this.dataStart;
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          Object.assign(this.metadata, raw);
          continue;
        }
        const e = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
        if (!e || !(e.dtype! in BYTES)) {
          throw new Error(`${file}: tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; supported: ${Object.keys(BYTES).join(', ')}`);
        }
        const dtype = e.dtype as SafetensorsDtype;
        const shape = e.shape ?? [];
        if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
          throw new Error(`${file}: tensor "${name}" has shape ${JSON.stringify(e.shape)}; expected a list of non-negative integers`);
        }
        const [begin, end] = Array.isArray(e.data_offsets) ? e.data_offsets : [NaN, NaN];
        if (!Number.isInteger(begin) || !Number.isInteger(end)) {
          throw new Error(`${file}: tensor "${name}" has data_offsets ${JSON.stringify(e.data_offsets)}; expected [begin, end] byte offsets`);
        }
        const expectedBytes = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
        if (!(end - begin === expectedBytes)) {
          throw new Error(`${file}: tensor "${name}" spans bytes [${begin}, ${end}) but ${dtype} [${shape}] needs ${expectedBytes} bytes`);
        }
        if (begin < 0 || end > dataSize) {
          throw new Error(`${file}: tensor "${name}" byte range [${begin}, ${end}) runs past the end of the data (${dataSize} bytes): truncated file?`);
        }
        this.tensors.set(name, { dtype, shape, dataOffsets: [begin, end] });
      }
      checkNoOverlap(file, this.tensors);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Read one tensor, converted to float32. */
  readFloat32(name: string): Float32Array {
    const entry = this.tensors.get(name);
    if (!entry) throw new Error(`${this.file}: no tensor "${name}"`);
    if (this.fd === null) throw new Error(`${this.file}: read after close()`);
    const [begin, end] = entry.dataOffsets;
    const bytes = new Uint8Array(end - begin);
    const chunk = 1 << 28; // readSync handles at most 2 GiB per call
    for (let done = 0; done < bytes.length;) {
      const n = fs.readSync(this.fd, bytes, done, Math.min(chunk, bytes.length - done), this.dataStart + begin + done);
      if (n <= 0) throw new Error(`${this.file}: unexpected end of file while reading "${name}"`);
      done += n;
    }
    return decode(bytes, entry.dtype);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Throw when two tensors share bytes: one of them would read the other's values. */
function checkNoOverlap(file: string, tensors: Map<string, SafetensorsEntry>): void {
  const ranges = [...tensors].filter(([, e]) => e.dataOffsets[1] > e.dataOffsets[0]).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < ranges.length; i++) {
    const [prevName, prev] = ranges[i - 1];
    const [name, e] = ranges[i];
    if (e.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new Error(`${file}: tensors "${prevName}" [${prev.dataOffsets}) and "${name}" [${e.dataOffsets}) overlap (a corrupt or hand-edited header)`);
    }
  }
}

/** A tensor to write; `data` may be a function so large models are materialised one tensor at a time. */
export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array | (() => Float32Array);
}

/** Write a .safetensors file atomically (temp file + rename), storing every tensor as `dtype` (default F32). */
export function writeSafetensors(file: string, tensors: TensorToWrite[], opts: { dtype?: SafetensorsDtype; metadata?: Record<string, string> } = {}): void {
  const dtype = opts.dtype ?? 'F32';
  if (!(dtype in BYTES)) throw new Error(`writeSafetensors: dtype ${dtype} not supported; expected one of ${Object.keys(BYTES).join(', ')}`);
  const header: Record<string, unknown> = { __metadata__: opts.metadata ?? {} };
  let offset = 0;
  for (const t of tensors) {
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor name "${t.name}"`);
    const bytes = t.shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces to a multiple of 8 so the data section is aligned (as the reference writer does).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerBytes.length));
    fs.writeSync(fd, len);
    fs.writeSync(fd, headerBytes);
    for (const t of tensors) {
      const data = typeof t.data === 'function' ? t.data() : t.data;
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) throw new Error(`writeSafetensors: tensor "${t.name}" has ${data.length} values, shape [${t.shape}] needs ${size}`);
      fs.writeSync(fd, encode(data, dtype));
    }
    fs.closeSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.renameSync(tmp, file);
}

// ---- float conversions ------------------------------------------------------------------------------

function decode(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  const out = new Float32Array(halves.length);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16; // bf16 is the top half of a float32
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
  }
  return out;
}

function encode(data: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = dtype === 'BF16' ? floatBitsToBf16(bits[i]) : floatBitsToHalf(bits[i]);
  return new Uint8Array(out.buffer);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 bits → bf16, rounding to nearest even (NaN stays NaN). */
function floatBitsToBf16(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits → IEEE half, rounding to nearest even, with subnormals, overflow to ±Inf and NaN. */
function floatBitsToHalf(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // may carry into the exponent: still correct
  return sign | half;
}
