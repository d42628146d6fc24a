/**
 * The one-way flow of src/: a folder imports only from folders below it, and no file takes part in an import
 * cycle. Ranks: util → tensor → model, text → world, data → search → simulator → agent → rl → eval → report →
 * reproduce → cli. Type-only imports count for the direction (they still tie a folder to a higher one) but not
 * for cycles (they vanish at run time).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const RANK: Record<string, number> = {
  util: 0,
  tensor: 1,
  model: 2,
  text: 2,
  world: 3,
  data: 3,
  search: 4,
  simulator: 5,
  agent: 6,
  rl: 7,
  eval: 8,
  report: 9,
  reproduce: 10,
  cli: 11,
};
const SRC = path.join(__dirname, '..', 'src');

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$|\.testutil\.ts$/.test(e.name) ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  return null;
}

/** Every relative import and re-export of `files` (`import type` / `export type` marked type-only). */
export function importEdges(files: readonly string[]): Edge[] {
  return files.flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm)].flatMap((m) => {
      const to = resolveImport(file, m[3]);
      return to ? [{ from: file, to, typeOnly: Boolean(m[2]) }] : [];
    });
  });
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0].replace(/\.ts$/, '');

/** Imports from a folder to a higher-ranked one. */
export function upwardImports(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => {
      const [a, b] = [folderOf(e.from), folderOf(e.to)];
      return a in RANK && b in RANK && RANK[b] > RANK[a];
    })
    .map((e) => `${path.relative(SRC, e.from)} → ${path.relative(SRC, e.to)}`);
}

/** Files on a cycle of run-time imports, as `a → b → … → a`. */
export function importCycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of next.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(SRC, x)).join(' → '));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of next.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

test('every folder of src/ has a rank in the flow', () => {
  const folders = fs
    .readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(
    folders.filter((f) => !(f in RANK)),
    [],
    'a new folder needs its place in RANK',
  );
});

test('src/ imports only downward in the flow', () => {
  assert.deepEqual(upwardImports(importEdges(sourceFiles(SRC))), []);
});

test('src/ has no run-time import cycle', () => {
  assert.deepEqual(importCycles(importEdges(sourceFiles(SRC))), []);
});

test('the checks catch what they are for', () => {
  const fake = (from: string, to: string, typeOnly = false): Edge => ({ from: path.join(SRC, from), to: path.join(SRC, to), typeOnly });
  assert.deepEqual(upwardImports([fake('search/bm25.ts', 'simulator/engine.ts'), fake('rl/trainer.ts', 'agent/rollout.ts')]), [
    `search${path.sep}bm25.ts → simulator${path.sep}engine.ts`,
  ]);
  assert.equal(importCycles([fake('a/x.ts', 'a/y.ts'), fake('a/y.ts', 'a/x.ts')]).length, 1);
  assert.equal(importCycles([fake('a/x.ts', 'a/y.ts'), fake('a/y.ts', 'a/x.ts', true)]).length, 0);
});
