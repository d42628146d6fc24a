export {
  DATASET_COLUMNS,
  EM_COLUMNS,
  paperColumnOf,
  emRow,
  defaultPaperTablesPath,
  loadPaperTables,
  validateTable,
  validateResultTable,
  pickRows,
  tableToCsv,
  tableFromCsv,
  writeTable,
  averageOverSeeds,
} from './paper-tables';
export type { Cell, TableRow, Table, PaperTable, ResultTable } from './paper-tables';
export { PALETTE, comparisonBars, trainingCurves, curriculumSchedules, costBars, costRows } from './figures';
export type { PlotlyFigure, PlotlyTrace, TrainingRun, CostRow } from './figures';
export { chromiumPath, figureHtml, writeFigureHtml, exportFigure, withFigureExporter } from './export';
export type { ExportOptions, ExportedFiles, FigureExporter } from './export';
export { figureOutputHtml, showFigure, tableHtml, showTable, showImage } from './notebook';
export { Frame, tableToFrame, metricsToFrame } from './dataframe';
export type { FrameValue, FrameRecord } from './dataframe';
