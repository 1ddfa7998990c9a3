/**
 * Which backend settings a provider sees. KServe's STORAGE_CONFIG names its backend in `type`; handing
 * an S3 `endpoint_url` to the Azure provider of another SRC in the same run would point it at the wrong
 * endpoint, so a provider gets the settings only when the type is one of its `storageTypes` (or absent).
 */
import type { ProviderDescriptor } from './descriptor.js';

export function storageSettingsFor(descriptor: ProviderDescriptor, storage: Record<string, unknown>): Record<string, unknown> {
  const type = storage.type;
  if (typeof type !== 'string' || type.trim() === '') return storage;
  return descriptor.storageTypes.includes(type.trim().toLowerCase()) ? storage : {};
}
