/** The Model Registry client: options, base-URL rule and `resolveModel`. */
export { REGISTRY_API_PATH, REGISTRY_DEFAULTS, REGISTRY_ENV, registryBaseUrl, registryOptionsFromEnv } from './options.js';
export type { RegistryOptions } from './options.js';
export { resolveModel } from './resolve.js';
export type { ResolvedModel } from './types.js';
