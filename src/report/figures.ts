/**
 * Plotly figure specs as plain `{data, layout}` objects: building one needs no browser, so they can be
 * tested, saved as JSON, shown in a notebook (notebook.ts) or exported to HTML/PNG (export.ts).
 * Figures only draw what they are given: curriculum values, rewards and costs come from the callers.
 */
import type { Cell, Table, TableRow, ResultTable } from './paperTables';

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

/**
 * Grouped bars, one group per paper column (the paper's order), one bar per row: our rows first
 * (solid, with ± std error bars when the row has std), then the paper's rows (hatched, labelled
 * "paper"). Pick the paper rows to compare with `pickRows` first; Table 3 has 33.
 */
export function comparisonBars(ours: ResultTable, paper: Table<Cell>, opts: { title?: string; yTitle?: string } = {}): PlotlyFigure {
  const columns = paper.columns;
  const unknown = ours.columns.filter((c) => !columns.includes(c));
  if (unknown.length) throw new Error(`comparisonBars: our column(s) ${unknown.join(', ')} are not paper columns (${columns.join(', ')}); map dataset names with paperColumnOf`);
  const ourTraces: PlotlyTrace[] = ours.rows.map((r, i) => {
    const trace: PlotlyTrace = {
      type: 'bar',
      name: `${rowLabel(r)} — ours`,
      x: columns,
      y: columns.map((c) => numberOrNull(r.values[c])),
      marker: { color: colour(i) },
    };
    if (r.std) trace.error_y = { type: 'data', array: columns.map((c) => r.std?.[c] ?? null), visible: true, thickness: 1.2, width: 3 };
    return trace;
  });
  const paperTraces: PlotlyTrace[] = paper.rows.map((r, i) => ({
    type: 'bar',
    name: `${rowLabel(r)} — paper`,
    x: columns,
    y: columns.map((c) => numberOrNull(r.values[c])),
    marker: { color: colour(ours.rows.length + i), opacity: 0.75, pattern: { shape: '/', fillmode: 'overlay', fgcolor: 'white', size: 6 } },
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
}

/**
 * Like the paper's Fig. 2: reward (top panel) and search calls per trajectory (bottom panel) against
 * the training step, one colour per run, sharing the step axis.
 */
export function trainingCurves(runs: TrainingRun[], opts: { title?: string } = {}): PlotlyFigure {
  if (runs.length === 0) throw new Error('trainingCurves: no runs given');
  const data: PlotlyTrace[] = [];
  runs.forEach((run, i) => {
    if (run.steps.length === 0) throw new Error(`trainingCurves: run "${run.name}" has no steps`);
    const x = run.steps.map((s) => s.step);
    const line = { color: colour(i), width: 2 };
    data.push({ type: 'scatter', mode: 'lines', name: run.name, legendgroup: run.name, x, y: run.steps.map((s) => s.reward), line, xaxis: 'x', yaxis: 'y' });
    data.push({ type: 'scatter', mode: 'lines', name: run.name, legendgroup: run.name, showlegend: false, x, y: run.steps.map((s) => s.searches), line, xaxis: 'x', yaxis: 'y2' });
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
