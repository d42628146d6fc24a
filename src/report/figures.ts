/**
 * Plotly figure specs as plain `{data, layout}` objects: building one needs no browser, so they can be
 * tested, saved as JSON, shown in a notebook (notebook.ts) or exported to HTML/PNG (export.ts).
 * Figures only draw what they are given: curriculum values, rewards and costs come from the callers.
 */
import type { Cell, Table, TableRow, ResultTable } from './paper-tables';

/** One Plotly trace (`{type, x, y, …}`); kept loose so figures need no Plotly type package. */
export type PlotlyTrace = { type: string; name?: string } & Record<string, unknown>;
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
}

/** Qualitative palette (Plotly's default colour cycle), so a run keeps its colour across panels. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const colour = (i: number) => PALETTE[i % PALETTE.length];

const BASE_LAYOUT = { font: { family: 'DejaVu Sans, Arial, sans-serif', size: 13 }, plot_bgcolor: 'white', paper_bgcolor: 'white' };
const GRID = { gridcolor: '#e5e5e5', zeroline: false };

function title(text: string | undefined): Record<string, unknown> | undefined {
  return text ? { text, x: 0.02, xanchor: 'left' } : undefined;
}

const rowLabel = (r: TableRow<Cell>) => (r.model ? `${r.method} (${r.model})` : r.method);

const numberOrNull = (v: Cell | undefined): number | null => (typeof v === 'number' ? v : null);

/** Options of `comparisonBars`. */
export interface ComparisonOptions {
  title?: string;
  yTitle?: string;
  /** Our row's method → the paper row's method it stands for: the two share a colour. */
  pairs?: Record<string, string>;
  /** Our row's method → per column [low, high] of its interval; drawn as asymmetric error bars instead of ± std. */
  intervals?: Record<string, Record<string, [number, number]>>;
}

/**
 * Grouped bars, one group per paper column (the paper's order), one bar per row: our rows first
 * (solid, with their interval, or ± std when the row has std), then the paper's rows (hatched,
 * labelled "paper"). A paper row paired with one of ours takes its colour. Pick the paper rows to
 * compare with `pickRows` first; Table 3 has 33.
 */
export function comparisonBars(ours: ResultTable, paper: Table<Cell>, opts: ComparisonOptions = {}): PlotlyFigure {
  const columns = paper.columns;
  const unknown = ours.columns.filter((c) => !columns.includes(c));
  if (unknown.length)
    throw new Error(`comparisonBars: our column(s) ${unknown.join(', ')} are not paper columns (${columns.join(', ')}); map dataset names with paperColumnOf`);
  const ourTraces: PlotlyTrace[] = ours.rows.map((r, i) => {
    const trace: PlotlyTrace = {
      type: 'bar',
      name: `${rowLabel(r)} — ours`,
      x: columns,
      y: columns.map((c) => numberOrNull(r.values[c])),
      marker: { color: colour(i) },
    };
    const iv = opts.intervals?.[r.method];
    const bar = { type: 'data', visible: true, thickness: 1.2, width: 3 };
    if (iv) {
      const y = columns.map((c) => numberOrNull(r.values[c]));
      trace.error_y = {
        ...bar,
        symmetric: false,
        array: columns.map((c, j) => (iv[c] && y[j] !== null ? iv[c][1] - y[j]! : null)),
        arrayminus: columns.map((c, j) => (iv[c] && y[j] !== null ? y[j]! - iv[c][0] : null)),
      };
    } else if (r.std) trace.error_y = { ...bar, array: columns.map((c) => r.std?.[c] ?? null) };
    return trace;
  });
  const pairedIndex = new Map(Object.entries(opts.pairs ?? {}).map(([mine, theirs]) => [theirs, ours.rows.findIndex((r) => r.method === mine)]));
  let unpaired = ours.rows.length;
  const paperTraces: PlotlyTrace[] = paper.rows.map((r) => ({
    type: 'bar',
    name: `${rowLabel(r)} — paper`,
    x: columns,
    y: columns.map((c) => numberOrNull(r.values[c])),
    marker: {
      color: colour((pairedIndex.get(r.method) ?? -1) >= 0 ? pairedIndex.get(r.method)! : unpaired++),
      opacity: 0.75,
      pattern: { shape: '/', fillmode: 'overlay', fgcolor: 'white', size: 6 },
    },
  }));
  return {
    data: [...ourTraces, ...paperTraces],
    layout: {
      ...BASE_LAYOUT,
      title: title(opts.title ?? 'Exact match: ours vs the paper'),
      barmode: 'group',
      bargap: 0.2,
      xaxis: { ...GRID, categoryorder: 'array', categoryarray: columns },
      yaxis: { ...GRID, title: { text: opts.yTitle ?? 'EM (%)' }, rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.15 },
    },
  };
}

export interface TrainingRun {
  name: string;
  /** Per logged step: mean train reward and mean number of search calls per trajectory (null if not logged). */
  steps: { step: number; reward: number | null; searches: number | null }[];
  /** Per step, the spread drawn as a band around each curve (e.g. the std over RL seeds). */
  spread?: { reward: number[]; searches: number[] };
}

/**
 * Like the paper's Fig. 2: reward (top panel) and search calls per trajectory (bottom panel) against
 * the training step, one colour per run, sharing the step axis; a run's `spread` is drawn as a band.
 */
export function trainingCurves(runs: TrainingRun[], opts: { title?: string } = {}): PlotlyFigure {
  if (runs.length === 0) throw new Error('trainingCurves: no runs given');
  const data: PlotlyTrace[] = [];
  runs.forEach((run, i) => {
    if (run.steps.length === 0) throw new Error(`trainingCurves: run "${run.name}" has no steps`);
    const x = run.steps.map((s) => s.step);
    const line = { color: colour(i), width: 2 };
    for (const [field, yaxis] of [
      ['reward', 'y'],
      ['searches', 'y2'],
    ] as const) {
      const y = run.steps.map((s) => s[field]);
      const spread = run.spread?.[field];
      if (spread) {
        // A closed band: the upper edge left to right, then the lower edge back.
        const edge = (sign: number) => y.map((v, j) => (v === null ? null : v + sign * (spread[j] ?? 0)));
        data.push({
          type: 'scatter',
          mode: 'lines',
          x: [...x, ...[...x].reverse()],
          y: [...edge(1), ...edge(-1).reverse()],
          fill: 'toself',
          fillcolor: colour(i),
          opacity: 0.18,
          line: { width: 0 },
          hoverinfo: 'skip',
          showlegend: false,
          legendgroup: run.name,
          xaxis: 'x',
          yaxis,
        });
      }
      data.push({ type: 'scatter', mode: 'lines', name: run.name, legendgroup: run.name, showlegend: field === 'reward', x, y, line, xaxis: 'x', yaxis });
    }
  });
  return {
    data,
    layout: {
      ...BASE_LAYOUT,
      title: title(opts.title ?? 'Training reward and search calls'),
      // One x axis anchored at the bottom panel; the two y domains stack the panels.
      xaxis: { ...GRID, title: { text: 'training step' }, anchor: 'y2' },
      yaxis: { ...GRID, title: { text: 'reward (F1)' }, domain: [0.54, 1] },
      yaxis2: { ...GRID, title: { text: 'searches / trajectory' }, domain: [0, 0.46], rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.18 },
    },
  };
}

/** Noise probability p against the step for each schedule (values computed by the caller, e.g. noiseProbability). */
export function curriculumSchedules(schedules: { name: string; points: { step: number; p: number }[] }[], opts: { title?: string } = {}): PlotlyFigure {
  if (schedules.length === 0) throw new Error('curriculumSchedules: no schedules given');
  return {
    data: schedules.map((s, i) => ({
      type: 'scatter',
      mode: 'lines',
      name: s.name,
      x: s.points.map((p) => p.step),
      y: s.points.map((p) => p.p),
      line: { color: colour(i), width: 2 },
    })),
    layout: {
      ...BASE_LAYOUT,
      title: title(opts.title ?? 'Curriculum: probability of noisy documents'),
      xaxis: { ...GRID, title: { text: 'training step' } },
      yaxis: { ...GRID, title: { text: 'p (noisy)' }, range: [0, 1] },
      legend: { orientation: 'h', y: -0.18 },
    },
  };
}

export interface CostRow {
  /** Bar label, e.g. "SFT-7B" or "BM25 (real engine)". */
  name: string;
  /** Cost components, stacked in the order of the first row's keys (e.g. API cost, GPU cost). */
  parts: Record<string, number>;
}

/** Stacked bars: one bar per row, one colour per cost component (as in the paper's Table 8). */
export function costBars(rows: CostRow[], opts: { title?: string; yTitle?: string } = {}): PlotlyFigure {
  if (rows.length === 0) throw new Error('costBars: no rows given');
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.parts)))];
  return {
    data: parts.map((part, i) => ({
      type: 'bar',
      name: part,
      x: rows.map((r) => r.name),
      y: rows.map((r) => r.parts[part] ?? 0),
      marker: { color: colour(i) },
    })),
    layout: {
      ...BASE_LAYOUT,
      title: title(opts.title ?? 'Cost'),
      barmode: 'stack',
      xaxis: { ...GRID },
      yaxis: { ...GRID, title: { text: opts.yTitle ?? 'cost' }, rangemode: 'tozero' },
      legend: { orientation: 'h', y: -0.15 },
    },
  };
}

/** Cost rows from a table's numeric columns, e.g. `costRows(paper.table8_cost_v2, ['API Cost (USD)', 'GPU Cost (USD)'])`. */
export function costRows(table: Table<Cell>, parts: string[]): CostRow[] {
  const missing = parts.filter((p) => !table.columns.includes(p));
  if (missing.length) throw new Error(`costRows: column(s) ${missing.join(', ')} not in table (${table.columns.join(', ')})`);
  return table.rows.map((r) => ({
    name: r.method,
    parts: Object.fromEntries(
      parts.map((p) => {
        const v = r.values[p];
        if (typeof v !== 'number') throw new Error(`costRows: ${r.method}.${p} is ${JSON.stringify(v)}, expected a number`);
        return [p, v];
      }),
    ),
  }));
}

/** One simulator of a size ladder: its size, the EM after RL with it (and its interval), its useful-mode answer rate. */
export interface LadderPoint {
  name: string;
  params: number;
  em: number;
  low: number;
  high: number;
  useful: number | null;
}

/**
 * Shaped like the paper's Table 4: EM after RL against the simulator's size (left), with the real engine as a
 * horizontal line and the prompt-only simulator beside the ladder; each size's useful-mode answer rate (right).
 */
export function simulatorLadder(
  points: LadderPoint[],
  reference: { real: Omit<LadderPoint, 'params' | 'useful'>; prompt?: LadderPoint },
  opts: { title?: string } = {},
): PlotlyFigure {
  if (points.length === 0) throw new Error('simulatorLadder: no simulators given');
  const x = points.map((p) => p.params / 1e6);
  const errors = (ps: Array<Pick<LadderPoint, 'em' | 'low' | 'high'>>) => ({
    type: 'data',
    symmetric: false,
    array: ps.map((p) => p.high - p.em),
    arrayminus: ps.map((p) => p.em - p.low),
    visible: true,
    thickness: 1.2,
    width: 4,
  });
  const span = [Math.min(...x) * 0.8, Math.max(...x) * 1.2];
  const data: PlotlyTrace[] = [
    {
      type: 'scatter',
      mode: 'lines+markers+text',
      name: 'SFT simulators (EM after RL)',
      x,
      y: points.map((p) => p.em),
      text: points.map((p) => p.name),
      textposition: 'top center',
      error_y: errors(points),
      line: { color: colour(0), width: 2 },
      marker: { size: 9 },
      xaxis: 'x',
      yaxis: 'y',
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: `${reference.real.name} (real engine)`,
      x: span,
      y: [reference.real.em, reference.real.em],
      line: { color: colour(3), dash: 'dash', width: 2 },
      xaxis: 'x',
      yaxis: 'y',
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'useful-mode answer rate',
      x,
      y: points.map((p) => (p.useful === null ? null : 100 * p.useful)),
      line: { color: colour(2), width: 2 },
      marker: { size: 9 },
      xaxis: 'x2',
      yaxis: 'y2',
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: 'real engine answer rate',
      x: span,
      y: [100, 100],
      line: { color: colour(3), dash: 'dash', width: 1 },
      showlegend: false,
      xaxis: 'x2',
      yaxis: 'y2',
    },
  ];
  if (reference.prompt) {
    const p = reference.prompt;
    data.push({
      type: 'scatter',
      mode: 'markers+text',
      name: `${p.name} (prompt-only)`,
      x: [p.params / 1e6],
      y: [p.em],
      text: [p.name],
      textposition: 'bottom center',
      error_y: errors([p]),
      marker: { color: colour(1), size: 10, symbol: 'diamond' },
      xaxis: 'x',
      yaxis: 'y',
    });
    if (p.useful !== null)
      data.push({
        type: 'scatter',
        mode: 'markers',
        name: 'prompt-only answer rate',
        x: [p.params / 1e6],
        y: [100 * p.useful],
        marker: { color: colour(1), size: 10, symbol: 'diamond' },
        showlegend: false,
        xaxis: 'x2',
        yaxis: 'y2',
      });
  }
  return {
    data,
    layout: {
      ...BASE_LAYOUT,
      title: title(opts.title ?? 'Simulator size: EM after RL and useful-mode answer rate'),
      xaxis: { ...GRID, type: 'log', title: { text: 'simulator parameters (M)' }, domain: [0, 0.55] },
      yaxis: { ...GRID, title: { text: 'EM after RL (%)' } },
      xaxis2: { ...GRID, type: 'log', title: { text: 'simulator parameters (M)' }, domain: [0.65, 1], anchor: 'y2' },
      yaxis2: { ...GRID, title: { text: 'answer rate (%)' }, anchor: 'x2', range: [0, 105] },
      legend: { orientation: 'h', y: -0.2 },
    },
  };
}
