export { Rng, hashString } from './rng';
export { writeFileAtomic, writeJsonAtomic, writeJsonl, readJsonl, readJson } from './files';
export { JsonlLog } from './jsonl-log';
export type { JsonlLogOptions } from './jsonl-log';
export { progress } from './progress';
export { mapWithConcurrency } from './concurrency';
export { sharedDir, sharedPath, sharedSkip } from './shared';
export type { Progress } from './progress';
