/**
 * Turns what the user asked for into a storage URI: a model-registry:// reference is resolved through
 * the Model Registry; anything else must already be a storage URI (a local path becomes file://).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrProtocolNotSupported, ErrUsage } from '../errors.js';
import type { Logger } from '../providers/contract.js';
import { registryOptionsFromEnv } from '../registry/options.js';
import { resolveModel } from '../registry/resolve.js';
import type { ResolvedModel } from '../registry/types.js';
import { isModelRegistryUri, parseModelRegistryUri } from '../uri/model-registry-uri.js';

export interface ResolvedSource {
  /** What the user asked for. */
  source: string;
  /** What the provider lists and reads. */
  storageUri: URL;
  /** The registry's answer, for model-registry:// sources. */
  registry?: ResolvedModel;
}

export async function resolveSource(source: string, env: Record<string, string | undefined>,
  registrySettings: Record<string, unknown>, logger: Logger): Promise<ResolvedSource> {
  if (isModelRegistryUri(source)) {
    const ref = parseModelRegistryUri(source);
    const registry = await resolveModel(ref, registryOptionsFromEnv(env, registrySettings), logger);
    for (const warning of registry.warnings) logger.warn(warning);
    return { source, storageUri: parseStorageUri(registry.artifact.uri, `the artifact uri of ${source}`), registry };
  }
  return { source, storageUri: parseStorageUri(source, 'the source') };
}

/** A URI with a scheme, or a local path (made absolute, as file://). */
export function parseStorageUri(value: string, what: string): URL {
  if (isAbsolute(value) || value.startsWith('./') || value.startsWith('../')) return pathToFileURL(resolve(value));
  let uri: URL;
  try {
    uri = new URL(value);
  } catch {
    throw new ErrUsage(`${what} "${value}" is not a URI`, { hint: 'Give a URI such as s3://bucket/path, gs://bucket/path, https://host/file or model-registry://model/version.' });
  }
  if (uri.protocol === 'model-registry:') {
    throw new ErrProtocolNotSupported(`${what} "${value}" points at another registry entry`, { hint: 'Register the storage URI itself as the artifact uri.' });
  }
  return uri;
}
