/**
 * Public API of the kit. Notebooks import from here (tslab resolves this file directly).
 * Data flows one way: util → tensor → model/text → world/data → search → simulator → agent → rl → eval → report
 * → reproduce (test/flow.test.ts checks it).
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
export * from './reproduce';
