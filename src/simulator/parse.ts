/**
 * Parse a simulator's text into documents, as ZeroSearch post-processes it (spec §4.1): collapse blank
 * lines, cut at `Doc {topk+1}`, and read the `Doc i:` lines. Nothing is dropped silently: text that is not
 * in that shape is kept as a document and the problem is reported, so callers can count well-formed output.
 */
import type { Doc } from '../search/types';

export interface ParsedDocs {
  docs: Doc[];
  /** Exactly `topk` non-empty `Doc 1..topk` lines, in order, and nothing else. */
  wellFormed: boolean;
  /** What was repaired, in words (empty when well-formed). */
  problems: string[];
}

/** ZeroSearch's `result.replace('\n\n', '\n')`, applied until no blank line is left. */
export function collapseBlankLines(raw: string): string {
  return raw.replace(/\n\n+/g, '\n');
}

const DOC_LINE = /^\s*doc\s*(\d+)\s*[:.)-]?\s*(.*)$/i;

export function parseSimulatorOutput(raw: string, topk: number): ParsedDocs {
  if (!Number.isInteger(topk) || topk < 1) throw new Error(`parseSimulatorOutput: topk must be a positive integer, got ${topk}`);
  // ZeroSearch splits at f'Doc {topk+1}' (case-insensitive here: word models lower-case).
  const text = collapseBlankLines(raw);
  const cut = text.search(new RegExp(`doc\\s*${topk + 1}\\b`, 'i'));
  const kept = cut >= 0 ? text.slice(0, cut) : text;
  const problems: string[] = [];
  const docs: Doc[] = [];
  const numbers: number[] = [];
  let preamble = '';
  for (const line of kept.split('\n')) {
    const m = DOC_LINE.exec(line);
    if (m) {
      numbers.push(Number(m[1]));
      docs.push({ text: m[2].trim() });
    } else if (line.trim()) {
      // A continuation line belongs to the document above it; text before any Doc line is a preamble.
      if (docs.length) docs[docs.length - 1].text = `${docs[docs.length - 1].text} ${line.trim()}`.trim();
      else preamble += ` ${line.trim()}`;
    }
  }
  if (preamble.trim()) {
    problems.push('text before the first "Doc 1:" line');
    docs.unshift({ text: preamble.trim() });
    numbers.unshift(0);
  }
  if (docs.length === 0) {
    problems.push('empty output');
  }
  const empty = docs.filter((d) => !d.text).length;
  if (empty) problems.push(`${empty} empty document(s)`);
  const nonEmpty = docs.filter((d) => d.text);
  if (nonEmpty.length !== topk) problems.push(`${nonEmpty.length} documents instead of ${topk}`);
  const inOrder = numbers.every((n, i) => n === i + 1);
  if (!inOrder && !preamble.trim()) problems.push(`document numbers ${numbers.join(',')} are not 1..${numbers.length}`);
  return { docs: nonEmpty.map((d, i) => ({ id: `sim-${i + 1}`, text: d.text })), wellFormed: problems.length === 0, problems };
}

/** Words that make a document's opening: a title (at most three words here) and the start of its first sentence. */
export const OPENING_WORDS = 8;

export interface RepeatedDocument {
  /** `Doc i` number of the repeat. */
  number: number;
  /** Offset just after its `Doc i:` marker (before any space). */
  start: number;
  /** Offset of the next `Doc` line, or the text's length. */
  end: number;
}

/**
 * The first document within `Doc 1..topk` whose first `OPENING_WORDS` words match an earlier document's, or
 * null. Offsets are in the text with blank lines collapsed (`collapseBlankLines`), as the parser reads it.
 */
export function findRepeatedDocument(raw: string, topk: number): RepeatedDocument | null {
  const text = collapseBlankLines(raw);
  const openings = new Set<string>();
  let found: RepeatedDocument | null = null;
  let offset = 0;
  for (const line of text.split('\n')) {
    const m = DOC_LINE.exec(line);
    if (m && found) return { ...found, end: offset };
    if (m) {
      if (Number(m[1]) > topk) break;
      const opening = m[2].toLowerCase().split(/\s+/).filter(Boolean).slice(0, OPENING_WORDS).join(' ');
      if (opening && openings.has(opening))
        found = { number: Number(m[1]), start: offset + line.slice(0, line.length - m[2].length).trimEnd().length, end: text.length };
      openings.add(opening);
    }
    offset += line.length + 1;
  }
  return found;
}
