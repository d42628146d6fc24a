/**
 * Public API of the kit. Notebooks import from here (tslab resolves this file directly).
 * Data flows one way: tensor → model/text → world/data → search → simulator → agent → rl → eval → report.
 */
export * from './tensor';
export * from './util';
export * from './model';
export * from './text';
export * from './data';
export * from './world';
export * from './search';
export * from './simulator';
export * from './agent';
export * from './rl';
export * from './eval';
export * from './report';
