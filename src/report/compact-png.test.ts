import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as UPNG from 'upng-js';
import { compactPng } from './compact-png';

/** A w × h RGBA image whose pixel (x, y) is given by `f`, encoded losslessly. */
function png(w: number, h: number, f: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set(f(x, y), (y * w + x) * 4);
  return new Uint8Array(UPNG.encode([rgba.buffer], w, h, 0));
}

const pixels = (b: Uint8Array) => {
  const img = UPNG.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  return { width: img.width, height: img.height, rgba: new Uint8Array(UPNG.toRGBA8(img)[0]) };
};

test('compactPng halves a too-wide image by averaging 2 × 2 blocks, and keeps a few-colour image exact', () => {
  // Columns alternate black and white: every 2 × 2 block averages to mid grey (127.5 rounds to 128).
  const striped = pixels(
    compactPng(
      png(8, 4, (x) => (x % 2 ? [255, 255, 255, 255] : [0, 0, 0, 255])),
      { maxWidth: 4 },
    ),
  );
  assert.deepEqual([striped.width, striped.height], [4, 2]);
  for (let i = 0; i < striped.rgba.length; i += 4) assert.deepEqual([...striped.rgba.subarray(i, i + 4)], [128, 128, 128, 255]);
  // Within the width and with fewer than 256 colours, the palette copy is pixel-identical.
  const colours: Array<[number, number, number, number]> = [
    [31, 119, 180, 255],
    [255, 127, 14, 255],
    [255, 255, 255, 255],
  ];
  const original = png(30, 10, (x, y) => colours[(x + y) % 3]);
  const copy = pixels(compactPng(original));
  assert.deepEqual([copy.width, copy.height], [30, 10]);
  assert.deepEqual(copy.rgba, pixels(original).rgba);
});

test('compactPng says what it expected when given something else', () => {
  assert.throws(() => compactPng(new Uint8Array([1, 2, 3, 4])), /compactPng: not a PNG/);
});
