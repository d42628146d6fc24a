/**
 * Parsing of numeric command-line flags, shared by every command: a bad value names the flag and what
 * was expected, instead of becoming NaN deep inside a run.
 */
export function parseNumber(flag: string, text: string, opts: { integer?: boolean; min?: number } = {}): number {
  const n = Number(text);
  const kind = opts.integer ? 'an integer' : 'a number';
  const bound = opts.min === undefined ? '' : ` ≥ ${opts.min}`;
  if (text.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new Error(`${flag}: expected ${kind}${bound}, got "${text}"`);
  }
  return n;
}
