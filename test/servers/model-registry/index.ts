/** The test Model Registry: `startModelRegistry()`, its seed format and the default fixture. */
export { API_PATH, startModelRegistry } from './server.js';
export type { StartModelRegistryOptions, TestRegistry } from './server.js';
export { defaultSeed, MANY_ARTIFACTS, PAGED_LIVE, PAGED_VERSIONS, T0 } from './seed.js';
export type { ArtifactUriFn, DefaultSeedOptions } from './seed.js';
export { buildState } from './store.js';
export type * from './types.js';
