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
  manifest: ProviderManifest;
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
  return {
    descriptor: {
      package: pkg.name,
      version: pkg.version,
      root: pkg.root,
      manifest: { ...manifest, schemes: manifest.schemes.map((s) => s.toLowerCase()), hosts: (manifest.hosts ?? []).map((h) => h.toLowerCase()) },
    },
  };
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
  if (m.hosts !== undefined && (!Array.isArray(m.hosts) ||
    !m.hosts.every((h) => typeof h === 'string' && HOST_PATTERN.test(h.toLowerCase())))) {
    return '"hosts" must be a list of host names or "*.suffix" patterns';
  }
  return undefined;
}
