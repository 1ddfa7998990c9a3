/**
 * Reads a plugin's `mrInitProvider` block from the package.json oclif already loaded, so choosing a
 * provider never imports one. A bad block is reported (and the package skipped), never fatal.
 */
import type { ProviderManifest } from './contract.js';

/** An installed provider package, as discovery found it. */
export interface ProviderDescriptor {
  package: string;
  version: string;
  /** The package's folder. */
  root: string;
  /** The block as the package declares it. */
  manifest: ProviderManifest;
  /** Schemes handled, lowercase. */
  schemes: string[];
  /** Host patterns per scheme, lowercase; a scheme absent here matches any host. */
  hosts: Record<string, string[]>;
  /** STORAGE_CONFIG `type` values meant for this provider, lowercase. */
  storageTypes: string[];
}

/** The parts of an oclif Plugin that discovery reads. */
export interface InstalledPackage {
  name: string;
  version: string;
  root: string;
  pjson: Record<string, unknown>;
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const HOST_PATTERN = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d+)?$/;

/** The package's descriptor, or the reason its block is unusable. Packages without a block give undefined. */
export function readDescriptor(pkg: InstalledPackage): { descriptor: ProviderDescriptor } | { problem: string } | undefined {
  const block = pkg.pjson.mrInitProvider;
  if (block === undefined) return undefined;
  const problem = manifestProblem(block);
  if (problem) return { problem: `${pkg.name}@${pkg.version}: invalid "mrInitProvider" in package.json: ${problem}` };
  const manifest = block as ProviderManifest;
  const schemes = manifest.schemes.map((s) => s.toLowerCase());
  return {
    descriptor: {
      package: pkg.name,
      version: pkg.version,
      root: pkg.root,
      manifest,
      schemes,
      hosts: normaliseHosts(manifest.hosts, schemes),
      storageTypes: (manifest.storageTypes ?? schemes).map((t) => t.toLowerCase()),
    },
  };
}

function normaliseHosts(hosts: ProviderManifest['hosts'], schemes: string[]): Record<string, string[]> {
  const lower = (list: string[]) => list.map((h) => h.toLowerCase());
  if (hosts === undefined) return {};
  if (Array.isArray(hosts)) return hosts.length === 0 ? {} : Object.fromEntries(schemes.map((s) => [s, lower(hosts)]));
  return Object.fromEntries(Object.entries(hosts).filter(([, list]) => list.length > 0).map(([s, list]) => [s.toLowerCase(), lower(list)]));
}

/** Why a `mrInitProvider` block is invalid, or undefined when it is valid. */
export function manifestProblem(block: unknown): string | undefined {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return 'it must be an object';
  const m = block as Record<string, unknown>;
  if (!Number.isInteger(m.apiVersion) || (m.apiVersion as number) < 1) return '"apiVersion" must be a positive integer';
  if (typeof m.entry !== 'string' || m.entry === '' || m.entry.startsWith('/') || m.entry.split(/[\\/]/).includes('..')) {
    return '"entry" must be a path inside the package, e.g. "./dist/provider.js"';
  }
  if (!Array.isArray(m.schemes) || m.schemes.length === 0 ||
    !m.schemes.every((s) => typeof s === 'string' && SCHEME.test(s.toLowerCase()))) {
    return '"schemes" must be a non-empty list of URI schemes without ":", e.g. ["s3"]';
  }
  if (m.storageTypes !== undefined && (!Array.isArray(m.storageTypes) || !m.storageTypes.every((t) => typeof t === 'string' && t !== ''))) {
    return '"storageTypes" must be a list of STORAGE_CONFIG type names, e.g. ["s3"]';
  }
  const validList = (list: unknown) => Array.isArray(list) && list.every((h) => typeof h === 'string' && HOST_PATTERN.test(h.toLowerCase()));
  if (m.hosts !== undefined) {
    const byScheme = typeof m.hosts === 'object' && m.hosts !== null && !Array.isArray(m.hosts);
    const schemes = (m.schemes as string[]).map((s) => s.toLowerCase());
    if (byScheme ? !Object.entries(m.hosts as object).every(([s, list]) => schemes.includes(s.toLowerCase()) && validList(list)) : !validList(m.hosts)) {
      return '"hosts" must be a list of host names or "*.suffix" patterns, or an object mapping some of "schemes" to such lists';
    }
  }
  return undefined;
}
