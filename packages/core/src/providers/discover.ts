/**
 * The installed providers, from the plugin list oclif already built (it read every package.json):
 * no plugin is imported to learn what it handles.
 */
import type { Logger } from './contract.js';
import { readDescriptor, type InstalledPackage, type ProviderDescriptor } from './descriptor.js';

export function discoverProviders(packages: readonly InstalledPackage[], logger?: Pick<Logger, 'warn'>): ProviderDescriptor[] {
  const found: ProviderDescriptor[] = [];
  const seen = new Set<string>();
  for (const pkg of packages) {
    if (seen.has(pkg.name)) continue;
    const result = readDescriptor(pkg);
    if (!result) {
      if (looksLikeProvider(pkg.name)) logger?.warn(`${pkg.name}@${pkg.version} is installed as a provider plugin but has no "mrInitProvider" block in its package.json; skipped`);
      continue;
    }
    if ('problem' in result) {
      logger?.warn(`${result.problem}; skipped`);
      continue;
    }
    seen.add(pkg.name);
    found.push(result.descriptor);
  }
  return found;
}

function looksLikeProvider(name: string): boolean {
  return /^@mr-init\/provider-/.test(name) || /(^|\/)mr-init-provider-/.test(name);
}
