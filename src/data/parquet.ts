/**
 * Search-R1 / veRL parquet files (spec §2.2): what `qa_search_{train,test}_merge.py` writes and the
 * ZeroSearch trainer reads. One row per question:
 *   data_source   "nq", "hotpotqa", ...
 *   prompt        [{role: "user", content: <policy template applied to the question>}]
 *   ability       "fact-reasoning"
 *   reward_model  {style: "rule", ground_truth: {target: [golden answers]}}
 *   extra_info    {split, index}   (index restarts at 0 for each data_source; GRPO uses it as group id)
 *   id, question, golden_answers   (FlashRAG columns kept by Search-R1; ZeroSearch's trainer needs
 *                                   question and golden_answers)
 * Export writes real nested parquet columns (LIST of STRUCT, STRUCT of LIST, in pyarrow's 3-level
 * layout) with hyparquet-writer, so pyarrow / HF datasets read them as Search-R1's own files. Import
 * reads nested columns with hyparquet, from our files and from pyarrow-written ones.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { preprocessQuestion, type QaRow } from './qa';
import { writeFileAtomic } from '../util';

export interface ChatPrompt {
  role: string;
  content: string;
}

export interface SearchR1Row extends QaRow {
  prompt: ChatPrompt[];
  ability: string;
  reward_model: { style: string; ground_truth: { target: string[] } };
  extra_info: { split: string; index: number };
}

export interface SearchR1ExportOptions {
  /** Value of `extra_info.split`, e.g. "train" or "test". */
  split: string;
  /** The policy prompt for one (preprocessed) question, e.g. the agent's Search-R1 template. */
  makePrompt: (question: string) => string;
}

/**
 * Build Search-R1 rows. Questions are preprocessed as Search-R1 does (strip, end with "?"), and the
 * `question` column holds that preprocessed form, as in Search-R1's files.
 */
export function toSearchR1Rows(rows: readonly QaRow[], opts: SearchR1ExportOptions): SearchR1Row[] {
  const nextIndex = new Map<string, number>();
  return rows.map((row) => {
    const question = preprocessQuestion(row.question);
    const index = nextIndex.get(row.data_source) ?? 0;
    nextIndex.set(row.data_source, index + 1);
    return {
      id: row.id,
      question,
      golden_answers: [...row.golden_answers],
      data_source: row.data_source,
      prompt: [{ role: 'user', content: opts.makePrompt(question) }],
      ability: 'fact-reasoning',
      reward_model: { style: 'rule', ground_truth: { target: [...row.golden_answers] } },
      extra_info: { split: opts.split, index },
    };
  });
}

/** The writer's schema element type (hyparquet-writer bundles its own hyparquet version). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

// Parquet schema in pyarrow's layout (optional fields, 3-level lists named list/element).
const opt = (name: string, extra: Partial<SchemaElement> = {}): SchemaElement => ({ name, repetition_type: 'OPTIONAL', ...extra });
const str = (name: string) => opt(name, { type: 'BYTE_ARRAY', converted_type: 'UTF8' });
const listOf = (name: string, element: SchemaElement[]): SchemaElement[] => [
  opt(name, { converted_type: 'LIST', num_children: 1 }),
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...element,
];
const COLUMNS = ['id', 'question', 'golden_answers', 'data_source', 'prompt', 'ability', 'reward_model', 'extra_info'] as const;
const SCHEMA: SchemaElement[] = [
  { name: 'schema', repetition_type: 'REQUIRED', num_children: COLUMNS.length },
  str('id'),
  str('question'),
  ...listOf('golden_answers', [str('element')]),
  str('data_source'),
  ...listOf('prompt', [opt('element', { num_children: 2 }), str('content'), str('role')]),
  str('ability'),
  opt('reward_model', { num_children: 2 }),
  opt('ground_truth', { num_children: 1 }),
  ...listOf('target', [str('element')]),
  str('style'),
  opt('extra_info', { num_children: 2 }),
  opt('index', { type: 'INT64' }),
  str('split'),
];

/** Write Search-R1 rows to a parquet file (atomic write). */
export function writeSearchR1Parquet(rows: readonly SearchR1Row[], file: string): void {
  const column = (name: (typeof COLUMNS)[number]) => rows.map((r) => {
    switch (name) {
      // Field order inside structs follows pyarrow's (alphabetical, as Search-R1's files have them).
      case 'prompt': return r.prompt.map((m) => ({ content: m.content, role: m.role }));
      case 'reward_model': return { ground_truth: { target: r.reward_model.ground_truth.target }, style: r.reward_model.style };
      case 'extra_info': return { index: BigInt(r.extra_info.index), split: r.extra_info.split };
      default: return r[name];
    }
  });
  const buffer = parquetWriteBuffer({
    columnData: COLUMNS.map((name) => ({ name, data: column(name) })),
    schema: SCHEMA,
    kvMetadata: [{ key: 'writer', value: 'zerosearch-kit (Search-R1 parquet format)' }],
  });
  writeFileAtomic(file, new Uint8Array(buffer));
}

/** `toSearchR1Rows` + `writeSearchR1Parquet`: QA rows → a Search-R1 training/test parquet file. */
export function exportSearchR1Parquet(rows: readonly QaRow[], file: string, opts: SearchR1ExportOptions): SearchR1Row[] {
  const out = toSearchR1Rows(rows, opts);
  writeSearchR1Parquet(out, file);
  return out;
}

function strings(value: unknown, where: string, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where}: field "${field}" must be a non-empty list of strings`);
  return value.map((v, k) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    throw new Error(`${where}: ${field}[${k}] must be a string (got ${JSON.stringify(v)})`);
  });
}

/** Check one parquet record and turn it into a SearchR1Row; `where` names file and row for errors. */
function toSearchR1Row(r: Record<string, unknown>, where: string): SearchR1Row {
  const need = (field: string): unknown => {
    if (r[field] === undefined || r[field] === null) throw new Error(`${where}: missing field "${field}"`);
    return r[field];
  };
  const dataSource = need('data_source');
  if (typeof dataSource !== 'string') throw new Error(`${where}: field "data_source" must be a string`);
  const prompt = need('prompt');
  if (!Array.isArray(prompt) || prompt.length === 0 || !prompt.every((m) => m && typeof m.content === 'string' && typeof m.role === 'string')) {
    throw new Error(`${where}: field "prompt" must be a non-empty list of {role, content} strings`);
  }
  const rm = need('reward_model') as { style?: unknown; ground_truth?: { target?: unknown } };
  const target = strings(rm?.ground_truth?.target, where, 'reward_model.ground_truth.target');
  const info = need('extra_info') as { split?: unknown; index?: unknown };
  const index = typeof info?.index === 'bigint' ? Number(info.index) : info?.index;
  if (!Number.isInteger(index)) throw new Error(`${where}: field "extra_info.index" must be an integer`);
  const question = need('question');
  if (typeof question !== 'string') throw new Error(`${where}: field "question" must be a string`);
  const id = r.id ?? `${dataSource}_${info.split ?? ''}_${index}`;
  return {
    id: String(id),
    question,
    golden_answers: r.golden_answers == null ? target : strings(r.golden_answers, where, 'golden_answers'),
    data_source: dataSource,
    prompt: prompt.map((m) => ({ role: m.role, content: m.content })),
    ability: typeof r.ability === 'string' ? r.ability : 'fact-reasoning',
    reward_model: { style: typeof rm.style === 'string' ? rm.style : 'rule', ground_truth: { target } },
    extra_info: { split: typeof info.split === 'string' ? info.split : '', index: index as number },
  };
}

/** hyparquet reads SNAPPY (pyarrow's default) and uncompressed pages itself; node's zlib adds these. */
const NODE_DECOMPRESSORS = {
  GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(zlib.brotliDecompressSync(input)),
};

/**
 * Read a Search-R1 / ZeroSearch parquet file (ours or pyarrow-written, e.g. Search-R1's
 * `nq_search/test.parquet`). Other columns (e.g. `metadata`) are ignored. A missing `id` becomes
 * `<data_source>_<split>_<index>`; missing `golden_answers` fall back to the reward target.
 */
export async function importSearchR1Parquet(file: string, opts: { limit?: number } = {}): Promise<SearchR1Row[]> {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (expected a Search-R1 parquet file)`);
  const bytes = fs.readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let records: Record<string, unknown>[];
  try {
    records = await parquetReadObjects({ file: buffer, rowEnd: opts.limit, compressors: NODE_DECOMPRESSORS });
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file (${(err as Error).message})`);
  }
  return records.map((r, i) => toSearchR1Row(r, `${file} row ${i}`));
}
