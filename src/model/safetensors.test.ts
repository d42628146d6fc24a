import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SafetensorsFile, writeSafetensors } from './safetensors';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-safetensors-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Raw little-endian 16-bit words of the single tensor in `file`. */
function rawHalves(file: string): number[] {
  const buf = fs.readFileSync(file);
  const start = 8 + Number(buf.readBigUInt64LE(0));
  return Array.from({ length: (buf.length - start) / 2 }, (_, i) => buf.readUInt16LE(start + 2 * i));
}

test('F32 round trip is exact and keeps metadata, shapes and several tensors', () => {
  const file = path.join(tmp, 'f32.safetensors');
  const a = Float32Array.from([1.5, -2.25, Math.PI, 1e-30, 3e38, -0]);
  const b = Float32Array.from({ length: 12 }, (_, i) => i * 0.1);
  writeSafetensors(
    file,
    [
      { name: 'a', shape: [2, 3], data: a },
      { name: 'b.weight', shape: [3, 4], data: () => b },
    ],
    {
      metadata: { format: 'pt', note: 'hi' },
    },
  );
  const f = new SafetensorsFile(file);
  assert.deepEqual(f.metadata, { format: 'pt', note: 'hi' });
  assert.deepEqual(f.tensors.get('a')!.shape, [2, 3]);
  assert.deepEqual(f.readFloat32('a'), a);
  assert.deepEqual(f.readFloat32('b.weight'), b);
  f.close();
  assert.deepEqual(
    fs.readdirSync(tmp).filter((n) => n.includes('.tmp-')),
    [],
    'no temp file left behind',
  );
  // The header is padded so the data section starts 8-byte aligned.
  assert.equal(Number(fs.readFileSync(file).readBigUInt64LE(0)) % 8, 0);
});

test('F16 encoding matches IEEE half bit patterns (rounding, subnormals, overflow) and decodes back', () => {
  const file = path.join(tmp, 'f16.safetensors');
  const values = [1, -2, 65504, 2 ** -24, 1 / 3, 0.1, 1e6, -0, Infinity, 2 ** -26, 1 + 2 ** -11];
  // Reference bits from the IEEE 754 binary16 definition (round to nearest, ties to even).
  const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x2e66, 0x7c00, 0x8000, 0x7c00, 0x0000, 0x3c00];
  writeSafetensors(file, [{ name: 'x', shape: [values.length], data: Float32Array.from(values) }], { dtype: 'F16' });
  assert.deepEqual(
    rawHalves(file).map((h) => h.toString(16)),
    bits.map((h) => h.toString(16)),
  );
  const f = new SafetensorsFile(file);
  const back = Array.from(f.readFloat32('x'));
  f.close();
  assert.deepEqual(back, [1, -2, 65504, 2 ** -24, 0.333251953125, 0.0999755859375, Infinity, -0, Infinity, 0, 1]);
});

test('BF16 keeps the top 16 bits with round-to-nearest-even and decodes back', () => {
  const file = path.join(tmp, 'bf16.safetensors');
  const values = [1, -2, 1 / 3, 3.0e38, 1 + 2 ** -8, 1 + 3 * 2 ** -8];
  const bits = [0x3f80, 0xc000, 0x3eab, 0x7f62, 0x3f80, 0x3f82];
  writeSafetensors(file, [{ name: 'x', shape: [values.length], data: Float32Array.from(values) }], { dtype: 'BF16' });
  assert.deepEqual(
    rawHalves(file).map((h) => h.toString(16)),
    bits.map((h) => h.toString(16)),
  );
  const f = new SafetensorsFile(file);
  const back = Array.from(f.readFloat32('x'));
  f.close();
  assert.deepEqual(back.slice(0, 3), [1, -2, 0.333984375]);
  assert.ok(Math.abs(back[3] - 3.0e38) / 3.0e38 < 2 ** -8);
});

test('bad files give errors naming the file and the problem', () => {
  const missing = path.join(tmp, 'nope.safetensors');
  assert.throws(
    () => new SafetensorsFile(missing),
    (e: Error) => e.message.includes(missing) && /file not found/.test(e.message),
  );

  const good = path.join(tmp, 'good.safetensors');
  writeSafetensors(good, [{ name: 'w', shape: [4, 4], data: new Float32Array(16) }]);
  const bytes = fs.readFileSync(good);

  const cutData = path.join(tmp, 'cut-data.safetensors');
  fs.writeFileSync(cutData, bytes.subarray(0, bytes.length - 10));
  assert.throws(
    () => new SafetensorsFile(cutData),
    (e: Error) => e.message.includes(cutData) && /tensor "w" byte range \[0, 64\) runs past the end of the data \(54 bytes\)/.test(e.message),
  );

  const cutHeader = path.join(tmp, 'cut-header.safetensors');
  fs.writeFileSync(cutHeader, bytes.subarray(0, 20));
  assert.throws(() => new SafetensorsFile(cutHeader), /cut-header\.safetensors: truncated safetensors file: header of \d+ bytes runs past the end/);

  const tiny = path.join(tmp, 'tiny.safetensors');
  fs.writeFileSync(tiny, Buffer.from([1, 2, 3]));
  assert.throws(() => new SafetensorsFile(tiny), /tiny\.safetensors: truncated safetensors file \(3 bytes/);

  const weird = path.join(tmp, 'i64.safetensors');
  const header = Buffer.from(JSON.stringify({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(weird, Buffer.concat([len, header, Buffer.alloc(8)]));
  assert.throws(() => new SafetensorsFile(weird), /tensor "n" has dtype "I64"; supported: F32, F16, BF16/);

  assert.throws(
    () => writeSafetensors(path.join(tmp, 'bad.safetensors'), [{ name: 'x', shape: [3], data: new Float32Array(2) }]),
    /tensor "x" has 2 values, shape \[3\] needs 3/,
  );
  assert.equal(fs.existsSync(path.join(tmp, 'bad.safetensors')), false, 'a failed write leaves no file');
});
