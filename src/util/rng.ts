/**
 * Seeded pseudo-random numbers. Every random choice in the kit draws from an Rng built from a seed,
 * so the same seed gives the same numbers on every machine (sfc32: fast, 128-bit state, good quality).
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    // Expand the seed through splitmix-style hashing so nearby seeds give unrelated streams.
    let h = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const next = () => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** The whole generator state (four 32-bit words): a checkpoint stores it so a resumed run draws what an uninterrupted one would. */
  getState(): number[] {
    return [this.a, this.b, this.c, this.d];
  }

  setState(state: unknown): void {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 32)) {
      throw new Error(`Rng.setState: expected four 32-bit integers (from getState), got ${JSON.stringify(state)}`);
    }
    [this.a, this.b, this.c, this.d] = state.map((x: number) => x | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new Error(`Rng.int: n must be positive, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.choice: empty list');
    return items[this.int(items.length)];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** An independent child stream, so adding draws in one stage does not shift another. */
  fork(label: string): Rng {
    return new Rng(`${this.nextUint32()}:${label}`);
  }
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
