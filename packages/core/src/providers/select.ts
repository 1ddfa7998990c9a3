/**
 * Picks the provider for a URI from the installed descriptors: a pure function. A descriptor matches
 * when it lists the URI's scheme and, if it names hosts, one of them matches. The most specific match
 * wins (exact host > longest wildcard suffix > any host); a tie between packages is an error unless
 * the `providers.<scheme>` setting names one of them.
 */
import { ErrConfig, ErrProtocolNotSupported, ErrProviderConflict } from '../errors.js';
import type { ProviderDescriptor } from './descriptor.js';
import { officialPackageFor } from './official.js';

/** How specifically a descriptor claims a URI; 0 means it does not. */
export function specificity(descriptor: ProviderDescriptor, uri: URL): number {
  const scheme = uri.protocol.replace(/:$/, '').toLowerCase();
  if (!descriptor.schemes.includes(scheme)) return 0;
  const hosts = descriptor.hosts[scheme] ?? [];
  if (hosts.length === 0) return 1;
  const host = uri.hostname.toLowerCase();
  let best = 0;
  for (const pattern of hosts) {
    const bare = pattern.replace(/:\d+$/, '');
    if (bare === host) best = Math.max(best, 10_000);
    else if (bare.startsWith('*.') && host.endsWith(bare.slice(1))) best = Math.max(best, 2 + bare.length);
  }
  return best;
}

export function selectProvider(uri: URL, descriptors: readonly ProviderDescriptor[],
  overrides: Readonly<Record<string, string>> = {}): ProviderDescriptor {
  const scheme = uri.protocol.replace(/:$/, '').toLowerCase();
  const ranked = descriptors
    .map((d) => ({ d, score: specificity(d, uri) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score);
  const chosen = overrides[scheme];
  if (chosen !== undefined) {
    const match = ranked.find((r) => r.d.package === chosen);
    if (match) return match.d;
    throw new ErrConfig(`providers.${scheme} names "${chosen}", but ${installedOrMatching(chosen, descriptors, uri)}`, {
      hint: `Installed providers for ${scheme}://: ${ranked.map((r) => r.d.package).join(', ') || 'none'}.`,
    });
  }
  if (ranked.length === 0) throw notSupported(uri, descriptors);
  const top = ranked.filter((r) => r.score === ranked[0]!.score);
  const packages = [...new Set(top.map((r) => r.d.package))];
  if (packages.length > 1) {
    throw new ErrProviderConflict(`${packages.join(' and ')} both claim ${scheme}://${uri.host} equally`, {
      hint: `Choose one with the setting providers.${scheme} (e.g. {"providers": {"${scheme}": "${packages[0]}"}} in .mr-initrc.json), or uninstall the other.`,
    });
  }
  return top[0]!.d;
}

function installedOrMatching(chosen: string, descriptors: readonly ProviderDescriptor[], uri: URL): string {
  return descriptors.some((d) => d.package === chosen)
    ? `that package does not handle ${uri.protocol}//${uri.host}`
    : 'no such provider package is installed';
}

function notSupported(uri: URL, descriptors: readonly ProviderDescriptor[]): ErrProtocolNotSupported {
  const scheme = uri.protocol.replace(/:$/, '').toLowerCase();
  const installed = [...new Set(descriptors.flatMap((d) => d.schemes))].sort();
  const official = officialPackageFor(scheme);
  const hint = official
    ? `Install ${official} (npm install ${official}, or \`mr-init plugins install ${official}\`, or build the image with PROVIDERS including ${official.replace('@mr-init/provider-', '')}).`
    : 'Install a provider plugin for it (see docs/writing-a-provider.md).';
  return new ErrProtocolNotSupported(
    `no installed provider handles ${scheme}:// (installed: ${installed.length ? installed.map((s) => `${s}://`).join(', ') : 'none'})`,
    { hint },
  );
}
