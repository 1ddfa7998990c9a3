/** What a provider's test hands the conformance kit, and what the kit hands back. */
import type { ProviderContext, StorageProvider } from '../providers/contract.js';

export interface ConformanceTarget {
  provider: StorageProvider;
  /**
   * Creates these objects (relative key → bytes) under a fresh, empty root and returns that root's URI (a
   * prefix/folder; for prefixListing=false providers, the base to which keys are appended). Each call
   * must return a new root: the kit seeds several times and never deletes anything but through `remove`.
   */
  seed(files: Record<string, Buffer>): Promise<URL>;
  /**
   * URI of one object under a seeded root. For prefixListing providers the kit also passes a folder's key
   * (no trailing slash, e.g. `v1`) to name a sub-prefix, and a key that was never seeded to name nothing.
   */
  objectUri(root: URL, key: string): URL;
  /** A URI that must fail with kind PermissionDenied, where the backend can express it. */
  deniedUri?(): Promise<URL>;
  /** A URI whose container (bucket/host/account) does not exist. */
  missingContainerUri?(): Promise<URL>;
  /** Deletes one seeded object, so the kit can check that reading an object gone since it was listed fails with NotFound. */
  remove?(root: URL, key: string): Promise<void>;
  /** Merged over the kit's context (empty env, empty settings, silent logger, a fresh AbortSignal per call). */
  ctx?: Partial<ProviderContext>;
}

export interface ConformanceCase {
  /** `'<subject> | <behaviour>'`, stable: tests and reports refer to cases by name. */
  name: string;
  run(): Promise<void>;
}
