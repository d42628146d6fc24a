/**
 * PNGs small enough to live inside a committed notebook: shrunk by an integer factor to at most `maxWidth` pixels
 * (a 2× figure of results/ becomes 1×), then re-encoded with a 256-colour palette (upng-js). A Plotly chart has few
 * colours, so the palette loses nothing visible and the file drops ~5–9× (a 2,200 × 1,000 figure: 401 kB → 45 kB).
 */
import * as UPNG from 'upng-js';

/** The default widest image a notebook keeps: a figure's 900–1,100 CSS pixels at one pixel each. */
export const NOTEBOOK_IMAGE_WIDTH = 1200;

export function compactPng(png: Uint8Array, opts: { maxWidth?: number; colours?: number } = {}): Buffer {
  const maxWidth = opts.maxWidth ?? NOTEBOOK_IMAGE_WIDTH;
  let image: UPNG.Image;
  try {
    image = UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new Error(`compactPng: not a PNG (${(err as Error).message})`);
  }
  const { width, height } = image;
  const rgba = new Uint8Array(UPNG.toRGBA8(image)[0]);
  const k = Math.max(1, Math.ceil(width / maxWidth));
  const [w, h] = [Math.floor(width / k), Math.floor(height / k)];
  const pixels = k === 1 ? rgba : boxShrink(rgba, width, w, h, k);
  return Buffer.from(UPNG.encode([pixels.buffer.slice(0, w * h * 4) as ArrayBuffer], w, h, opts.colours ?? 256));
}

/** Each output pixel is the mean of a k × k block of the input (RGBA, row width `width`). */
function boxShrink(rgba: Uint8Array, width: number, w: number, h: number, k: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += rgba[((y * k + dy) * width + x * k + dx) * 4 + c];
        out[(y * w + x) * 4 + c] = Math.round(sum / (k * k));
      }
  return out;
}
