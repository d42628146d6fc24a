/**
 * `summary.md` of a reproduction: the paper's findings with their verdicts and intervals (./findings.ts),
 * saying plainly when one does not hold or could not be checked, then the tables, the simulator ladder,
 * where an RL step's time goes, and the stage times.
 */
import type { ResultTable } from '../report/paper-tables';
import { tableToCsv } from '../report/paper-tables';
import type { ReproduceTables, SeedResult } from './tables';
import { Finding, testSamplingSe } from './findings';

interface Avg {
  mean: number;
  se: number;
}

/** Mean EM (fraction) over sets and its standard error, averaged over seeds, for a method key; null if not run. */
export function averageEm(seeds: readonly SeedResult[], key: string): Avg | null {
  const per = seeds.map((s) => s.evals[key]).filter((e) => e !== undefined);
  if (per.length === 0) return null;
  const one = per.map((e) => {
    const sets = Object.values(e.perDataset);
    const variance = sets.reduce((a, d) => a + (d.em * (1 - d.em)) / Math.max(d.n, 1), 0) / (sets.length * sets.length);
    return { mean: e.average.em, variance };
  });
  const mean = one.reduce((a, o) => a + o.mean, 0) / one.length;
  const se = Math.sqrt(one.reduce((a, o) => a + o.variance, 0)) / one.length;
  return { mean, se };
}

const pct = (x: number) => (100 * x).toFixed(1);

function mainCriteria(seeds: readonly SeedResult[]): string[] {
  const zs = averageEm(seeds, 'zerosearch');
  const sr1 = averageEm(seeds, 'search-r1');
  const direct = averageEm(seeds, 'direct');
  const base = averageEm(seeds, 'base');
  const lines: string[] = [];
  if (sr1 && base) {
    // The RL issue's own target: what RL adds on top of the base policy, with the real engine.
    const ok = sr1.mean >= base.mean + 0.15;
    lines.push(`- RL with the real engine (Search-R1) ≥ the base policy + 15 points: **${ok ? 'yes' : 'no'}** (${pct(sr1.mean)} vs ${pct(base.mean)} + 15).`);
  }
  if (zs && direct) {
    const ok = zs.mean >= direct.mean + 0.15;
    lines.push(`- ZeroSearch avg EM ≥ Direct Answer + 15 points: **${ok ? 'yes' : 'no'}** (${pct(zs.mean)} vs ${pct(direct.mean)} + 15).`);
  }
  if (zs && sr1) {
    const ok = zs.mean >= 0.9 * sr1.mean && zs.mean > 0;
    const ratio = sr1.mean > 0 ? `ratio ${(zs.mean / sr1.mean).toFixed(2)}` : 'Search-R1 scored 0';
    lines.push(`- ZeroSearch avg EM ≥ 0.9 × Search-R1 (and above 0): **${ok ? 'yes' : 'no'}** (${ratio}; ${pct(zs.mean)} vs ${pct(sr1.mean)}).`);
  }
  return lines;
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
const VERDICT_WORDS: Record<string, string> = { holds: 'holds', reversed: 'REVERSED', 'not distinguishable': 'not distinguishable (the interval covers 0)' };

/** One finding as a line: verdict, both rows, the paired difference with its 95% interval, the paper's numbers. */
function findingLine(f: Finding): string {
  const head = `- **${f.claim}** (${f.table})`;
  if (!f.result) return `${head} — not checked: this preset did not run ${f.missing.join(' or ')}. (Paper: ${f.paper}.)`;
  const { better, worse, difference: d } = f.result;
  return (
    `${head} — **${VERDICT_WORDS[f.result.verdict]}**: ${f.better[0]} ${pct(better.estimate)} vs ${f.worse[0]} ${pct(worse.estimate)}, ` +
    `difference ${signed(d.estimate)} [${signed(d.low)}, ${signed(d.high)}]. (Paper: ${f.paper}.)`
  );
}

/** The simulator ladder (Table 4's sizes): parameters, quality-report rates and EM after RL. */
function ladderBlock(seeds: readonly SeedResult[]): string[] {
  const rungs = seeds[0].ladder.filter((r) => r.useful !== null);
  if (rungs.length < 2) return [];
  const keyOf: Record<string, string> = {
    'simulator-sft-small': 'zerosearch-sft-small',
    'simulator-sft': 'zerosearch',
    'simulator-sft-large': 'zerosearch-sft-large',
  };
  const em = (key: string) =>
    averageEm(
      seeds.filter((s) => s.seed === seeds[0].seed),
      key,
    );
  const rate = (x: number | null) => (x === null ? '–' : `${pct(x)}%`);
  return [
    '## The simulator ladder (Table 4)',
    "Each simulator's quality report (useful / noisy answer rate and well-formed share on the same held-out hop queries; BM25 answers 100% of them by construction) and the EM of ZeroSearch trained with it (mean over RL seeds). Figure: [ladder.png](figures/ladder.png).",
    '',
    '| simulator | width | parameters | useful | noisy | well-formed | prompt-only useful | EM after RL |',
    '|---|---|---|---|---|---|---|---|',
    ...rungs.map(
      (r) =>
        `| ${r.engine} | ${r.hiddenSize} | ${(r.params / 1e6).toFixed(2)} M | ${rate(r.useful)} | ${rate(r.noisy)} | ${rate(r.wellFormed)} | ${rate(r.promptUseful)} | ${em(keyOf[r.engine]) ? pct(em(keyOf[r.engine])!.mean) : '–'} |`,
    ),
    '',
  ];
}

/** Where a training step's time goes, per run (mean seconds per step, first RL seed). */
function stepProfile(seeds: readonly SeedResult[]): string[] {
  const runs = Object.entries(seeds[0].runs);
  if (runs.length === 0) return [];
  return [
    '## Where an RL step goes',
    "Mean seconds per step: rollout (policy decoding, plus the simulator's decoding for simulated engines), prepare (old log-probs, reference, values) and update (forward + backward + Adam).",
    '',
    '| run | rollout | prepare | update | total |',
    '|---|---|---|---|---|',
    ...runs.map(([name, r]) => `| ${name} | ${r.stepSeconds.map((x) => x.toFixed(2)).join(' | ')} | ${r.stepSeconds.reduce((a, x) => a + x, 0).toFixed(2)} |`),
    '',
  ];
}

function tableBlock(name: string, t: ResultTable | undefined): string {
  if (!t) return '';
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));
  const header = `| method | ${t.columns.join(' | ')} |\n|---|${t.columns.map(() => '---').join('|')}|`;
  const body = t.rows
    .map(
      (r) =>
        `| ${r.method} | ${t.columns.map((c) => (r.std && r.std[c] !== null && r.std[c] !== undefined ? `${fmt(r.values[c])} ± ${fmt(r.std[c])}` : fmt(r.values[c]))).join(' | ')} |`,
    )
    .join('\n');
  return `### ${name}\n${t.caption}\n\n${header}\n${body}\n`;
}

/** Measured context under a finding: searches per question at evaluation and the last steps' training reward. */
function findingContext(f: Finding, seeds: readonly SeedResult[]): string {
  const mine = seeds.filter((s) => s.seed === f.worldSeed);
  const searches = (key: string) => mine.reduce((a, s) => a + (s.evals[key]?.average.searches ?? 0), 0) / mine.length;
  const reward = (key: string) => {
    const tails = mine.map((s) => s.runs[key]?.steps.slice(-5)).filter((t): t is NonNullable<typeof t> => !!t && t.length > 0);
    return tails.length ? tails.reduce((a, t) => a + t.reduce((b, x) => b + x.reward, 0) / t.length, 0) / tails.length : null;
  };
  const [a, b] = [f.better[1], f.worse[1]];
  const ra = reward(a);
  const rb = reward(b);
  const rewards = ra !== null && rb !== null ? `; training reward over the last 5 steps ${ra.toFixed(3)} vs ${rb.toFixed(3)}` : '';
  return `  - searches per question at evaluation ${searches(a).toFixed(2)} vs ${searches(b).toFixed(2)}${rewards}.`;
}

/** The markdown text of summary.md. */
export function writeSummary(
  tables: ReproduceTables,
  seeds: readonly SeedResult[],
  found: readonly Finding[],
  info: { preset: string; seconds: number },
): string {
  const worldSeeds = [...new Set(seeds.map((s) => s.seed))];
  const rlSeeds = [...new Set(seeds.map((s) => s.rlSeed))];
  const questions = Object.values(seeds[0].perQuestion)[0] ?? {};
  const perSet = Object.entries(questions)
    .map(([set, xs]) => `${set.replace('micro-', '')} ${xs.length}`)
    .join(', ');
  const worstSe = Math.max(...seeds.flatMap((s) => Object.values(s.perQuestion).map(testSamplingSe)));
  const timing = worldSeeds
    .map(
      (w) =>
        `world seed ${w}: ${Object.entries(seeds.find((s) => s.seed === w)!.timings)
          .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
          .join(', ')}`,
    )
    .join('\n- ');
  const calls = tables.table8 ? tableToCsv(tables.table8).trim() : 'no RL runs';
  const checked = found.filter((f) => f.result);
  return [
    `# ZeroSearch micro-world reproduction — preset \`${info.preset}\`, world seed(s) ${worldSeeds.join(', ')}, RL seed(s) ${rlSeeds.join(', ')}`,
    '',
    'Every method is evaluated greedily with the real engine (BM25, top 5) on held-out questions of the seven micro sets',
    `(questions whose entities no training question mentions; per set: ${perSet}). Numbers are EM in percent; Avg is the`,
    'unweighted mean of the seven sets; tables give the mean ± std over RL seeds. The policy is a sub-million-parameter',
    "transformer that never saw the test world before RL, so absolute numbers are not comparable with the paper's 3B–7B",
    'models; the comparisons between rows are what this run tests.',
    '',
    "## The paper's findings, here",
    `Each finding is the paired difference of seven-set average EM between two rows, mean over ${rlSeeds.length} RL seed(s), with`,
    'a 95% interval from a two-level percentile bootstrap (2000 replicates: RL seeds drawn with replacement, and per set one',
    'resample of the questions shared by both rows and every drawn seed). **holds**: the interval lies above 0 in the',
    "paper's direction; **REVERSED**: below 0; **not distinguishable**: it covers 0.",
    `The largest test-sampling standard error of any row's seven-set average is ${pct(worstSe)} points.`,
    '',
    ...(checked.length ? checked.flatMap((f) => [findingLine(f), findingContext(f, seeds)]) : []),
    ...found.filter((f) => !f.result).map(findingLine),
    '- **CoT** — not run: the micro base policy has never seen reasoning chains (its thoughts are one scripted line), so a chain-of-thought prompt measures nothing here.',
    '',
    '## Acceptance criteria of the quick preset',
    ...(mainCriteria(seeds).length ? mainCriteria(seeds) : ['- not applicable (ZeroSearch, Search-R1 or Direct Answer not run)']),
    '',
    ...ladderBlock(seeds),
    '## Tables',
    ...(['table3', 'table4', 'table5', 'table6', 'table7'] as const).map((n) => tableBlock(n, tables[n])),
    "### table8 (search calls during RL, priced at the paper's SerpAPI rate of 586.7 USD / 64,000 queries)",
    '```',
    calls,
    '```',
    '',
    ...stepProfile(seeds),
    '## Time',
    `Total wall time of this invocation: ${info.seconds.toFixed(0)} s (cached stages take ~0 s). Stage times when they ran:`,
    `- ${timing}`,
    '',
  ].join('\n');
}
