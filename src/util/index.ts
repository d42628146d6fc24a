export { Rng, hashString } from './rng';
export { writeFileAtomic, writeJsonAtomic, writeJsonl, appendJsonl, readJsonl, readJson } from './files';
export { progress } from './progress';
export { mapWithConcurrency } from './concurrency';
export { sharedDir, sharedPath } from './shared';
export type { Progress } from './progress';
