/**
 * `zerosearch score --pred preds.jsonl --data nq/test.jsonl hotpotqa/dev.jsonl [--missing error|empty|skip]`:
 * prints JSON with EM, cover-EM and F1 (fractions in [0, 1]) overall, as the paper's unweighted
 * "Avg", and per dataset. Predictions are `{id, prediction, data_source?}` rows; data rows are QA
 * JSONL `{id, question, golden_answers, data_source?}` (data_source defaults to the file's folder
 * name). Joining rules and the missing-prediction policy: src/data/score.ts.
 */
import type { Command } from 'commander';
import { loadPredictionsJsonl, loadQaJsonl, scorePredictions, type MissingPolicy } from '../data';
import { writeJsonAtomic } from '../util';

const POLICIES: MissingPolicy[] = ['error', 'empty', 'skip'];

export function register(program: Command): void {
  program
    .command('score')
    .description('score predictions against gold answers: EM, cover-EM and F1, overall and per dataset (JSON)')
    .requiredOption('--pred <jsonl>', 'predictions, one {id, prediction, data_source?} per line')
    .requiredOption('--data <jsonl...>', 'QA files with {id, question, golden_answers, data_source?} rows')
    .option('--missing <policy>', 'data rows without a prediction: error | empty (scored as "") | skip', 'error')
    .option('--out <file>', 'also write the JSON report to this file')
    .action((opts: { pred: string; data: string[]; missing: string; out?: string }) => {
      if (!POLICIES.includes(opts.missing as MissingPolicy)) {
        throw new Error(`--missing: expected one of ${POLICIES.join(', ')}, got "${opts.missing}"`);
      }
      const data = opts.data.flatMap((file) => loadQaJsonl(file));
      const report = scorePredictions(loadPredictionsJsonl(opts.pred), data, { missing: opts.missing as MissingPolicy });
      if (opts.out) writeJsonAtomic(opts.out, report);
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    });
}
