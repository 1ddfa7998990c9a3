/**
 * Imports the one provider chosen for a URI, and nothing else: its SDK loads later, on first use,
 * inside the provider. A plugin built for another contract major is refused before it is imported.
 */
import { resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrProviderIncompatible } from '../errors.js';
import { PROVIDER_API_VERSION, type StorageProvider } from './contract.js';
import type { ProviderDescriptor } from './descriptor.js';

const loaded = new Map<string, Promise<StorageProvider>>();

export function loadProvider(descriptor: ProviderDescriptor): Promise<StorageProvider> {
  const key = `${descriptor.root}\0${descriptor.manifest.entry}`;
  let provider = loaded.get(key);
  if (!provider) {
    provider = importProvider(descriptor);
    loaded.set(key, provider);
  }
  return provider;
}

async function importProvider(descriptor: ProviderDescriptor): Promise<StorageProvider> {
  const name = `${descriptor.package}@${descriptor.version}`;
  if (descriptor.manifest.apiVersion !== PROVIDER_API_VERSION) {
    throw new ErrProviderIncompatible(
      `${name} implements provider API v${descriptor.manifest.apiVersion}, but this mr-init supports v${PROVIDER_API_VERSION}`,
      { hint: `Install a release of ${descriptor.package} built for provider API v${PROVIDER_API_VERSION}, or an mr-init that supports v${descriptor.manifest.apiVersion}.` },
    );
  }
  const entry = resolve(descriptor.root, descriptor.manifest.entry);
  if (!entry.startsWith(descriptor.root + sep)) {
    throw new ErrProviderIncompatible(`${name}: its entry ${descriptor.manifest.entry} lies outside the package`);
  }
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(entry).href) as { default?: unknown };
  } catch (error) {
    throw new ErrProviderIncompatible(`${name}: cannot load its entry ${descriptor.manifest.entry}: ${(error as Error).message}`,
      { cause: error, hint: `Reinstall ${descriptor.package}; if it persists, report it to its authors.` });
  }
  const provider = module.default;
  const problem = providerShapeProblem(provider);
  if (problem) {
    throw new ErrProviderIncompatible(`${name}: the default export of ${descriptor.manifest.entry} ${problem}`,
      { hint: `Report it to the authors of ${descriptor.package}.` });
  }
  return provider as StorageProvider;
}

/** Why a value is not a StorageProvider, or undefined. */
export function providerShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not a provider object';
  const p = value as Partial<StorageProvider>;
  if (typeof p.name !== 'string') return 'has no string "name"';
  if (typeof p.list !== 'function' || typeof p.read !== 'function') return 'lacks list() or read()';
  const caps = p.capabilities;
  if (!caps || typeof caps.rangedRead !== 'boolean' || typeof caps.prefixListing !== 'boolean' || !Array.isArray(caps.checksums)) {
    return 'has no valid "capabilities" (rangedRead, prefixListing, checksums)';
  }
  return undefined;
}
