/**
 * Parsing of the command line's flags, shared by every command: a bad value names the flag and what was
 * expected, instead of becoming NaN (or a silently different number) deep inside a run. Commands check their
 * flags before any work: through `numberFlag` while commander reads the line, or `parseNumber` first thing.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { RetryOptions } from '../search/http';

export interface NumberRule {
  /** Digits only (an optional sign): "1e1" or "10.0" are refused, not read as 1 or 10. */
  integer?: boolean;
  min?: number;
  max?: number;
}

export function parseNumber(flag: string, text: string, rule: NumberRule = {}): number {
  const n = Number(text);
  const kind = rule.integer ? 'an integer' : 'a number';
  const range =
    rule.min !== undefined && rule.max !== undefined
      ? ` from ${rule.min} to ${rule.max}`
      : rule.min !== undefined
        ? ` ≥ ${rule.min}`
        : rule.max !== undefined
          ? ` ≤ ${rule.max}`
          : '';
  const wellFormed = rule.integer ? /^\s*[+-]?\d+\s*$/.test(text) : text.trim() !== '';
  if (!wellFormed || !Number.isFinite(n) || (rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
    throw new Error(`${flag}: expected ${kind}${range}, got "${text}"`);
  }
  return n;
}

/** A commander argument parser checking `flag` by `rule` as the command line is read. */
export function numberFlag(flag: string, rule: NumberRule = {}): (text: string) => number {
  return (text) => parseNumber(flag, text, rule);
}

/** `--timeout` and `--retries` of the HTTP engines (Search-R1 retriever, SerpAPI, a remote simulator). */
export function addRetryFlags(command: Command): Command {
  return command
    .option(
      '--timeout <s>',
      'HTTP engines: seconds per attempt (default 30; a stalled server costs timeout × (retries + 1))',
      numberFlag('--timeout', { min: 0.001 }),
    )
    .option('--retries <n>', 'HTTP engines: attempts after the first (default 3)', numberFlag('--retries', { integer: true, min: 0 }));
}

/** What `addRetryFlags` parsed, as the engines take it. */
export function retryOptions(o: { timeout?: number; retries?: number }): RetryOptions {
  return { ...(o.timeout !== undefined && { timeoutMs: Math.round(o.timeout * 1000) }), ...(o.retries !== undefined && { retries: o.retries }) };
}

/**
 * A secret given as a flag, else from the environment variable `env`. A flag is visible to every user of the
 * machine (`ps`) and lands in shell history, so using one draws a warning.
 */
export function secretFlag(flag: string, value: string | undefined, env: string): string | undefined {
  if (value !== undefined)
    process.stderr.write(`warning: ${flag} is visible to other users in \`ps\` and in shell history; prefer the environment variable ${env}\n`);
  return value ?? process.env[env];
}

/** The `--preset <name>` flag every command shares: one of `names`, refused as commander reads the line. */
export function presetOption(names: readonly string[], what: string, fallback = 'quick'): Option {
  return new Option('--preset <name>', what).choices(names).default(fallback);
}
