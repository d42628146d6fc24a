/**
 * QA rows from whatever a researcher has on disk: FlashRAG / Search-R1 JSONL (`{id, question,
 * golden_answers}`) or a Search-R1 / ZeroSearch parquet file (the paper's `train.parquet`), chosen by
 * extension, so `--data` takes either everywhere data is read.
 */
import { loadQaJsonl, QaRow } from './qa';
import { importSearchR1Parquet } from './parquet';

/** Rows of every file in order; `limit` applies per file. An unknown extension is an error naming the file. */
export async function loadQaFiles(files: readonly string[], opts: { limit?: number } = {}): Promise<QaRow[]> {
  if (files.length === 0) throw new Error('--data: expected at least one .jsonl or .parquet file');
  const rows: QaRow[] = [];
  for (const file of files) {
    if (file.endsWith('.parquet')) {
      rows.push(...(await importSearchR1Parquet(file, { limit: opts.limit })).map(({ id, question, golden_answers, data_source }) => ({ id, question, golden_answers, data_source })));
    } else if (file.endsWith('.jsonl')) rows.push(...loadQaJsonl(file, { limit: opts.limit }));
    else throw new Error(`--data ${file}: expected a .jsonl (QA rows) or .parquet (Search-R1 format) file`);
  }
  return rows;
}
