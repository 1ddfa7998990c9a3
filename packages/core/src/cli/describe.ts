/** What `mr-init resolve` reports: the registry's answer, the chosen provider and, optionally, the files. */
import type { Settings } from '../config/index.js';
import type { CliLogger } from '../output/logger.js';
import { writeOut } from '../output/stdout.js';
import type { ProviderDescriptor } from '../providers/descriptor.js';
import { loadProvider } from '../providers/load.js';
import { selectProvider } from '../providers/select.js';
import { storageSettingsFor } from '../providers/storage-settings.js';
import { listPlan } from '../transfer/index.js';
import { transferOptions } from './download.js';
import { resolveSource } from './sources.js';

export interface SourceDescription {
  source: string;
  storageUri: string;
  registry?: {
    url: string;
    model: { id: string; name: string };
    version: { id: string; name: string; state?: string };
    artifact: { id: string; name?: string; uri: string; state?: string };
    warnings: string[];
  };
  provider: { package: string; version: string };
  files?: Array<{ path: string; size: number }>;
  totalBytes?: number;
}

export async function describeSource(source: string, settings: Settings, descriptors: readonly ProviderDescriptor[],
  logger: CliLogger, env: Record<string, string | undefined>, withFiles: boolean): Promise<SourceDescription> {
  const resolved = await resolveSource(source, env, settings.registry, logger);
  const descriptor = selectProvider(resolved.storageUri, descriptors, settings.providers);
  const description: SourceDescription = {
    source,
    storageUri: resolved.storageUri.href,
    provider: { package: descriptor.package, version: descriptor.version },
  };
  if (resolved.registry) {
    const { registryUrl, model, version, artifact, warnings } = resolved.registry;
    description.registry = { url: registryUrl, model, version, artifact, warnings };
  }
  if (withFiles) {
    const provider = await loadProvider(descriptor);
    const files = await listPlan(provider, resolved.storageUri, transferOptions(settings),
      { env, settings: storageSettingsFor(descriptor, settings.storage), logger });
    description.files = files.map((f) => ({ path: f.path, size: f.size }));
    description.totalBytes = files.reduce((sum, f) => sum + Math.max(0, f.size), 0);
  }
  return description;
}

export function printDescription(d: SourceDescription, json: boolean): void {
  if (json) {
    writeOut(JSON.stringify(d, null, 2));
    return;
  }
  const lines: Array<[string, string]> = [['source', d.source]];
  if (d.registry) {
    const r = d.registry;
    lines.push(['registry', r.url], ['model', `${r.model.name} (id ${r.model.id})`],
      ['version', `${r.version.name} (id ${r.version.id}${r.version.state ? `, ${r.version.state}` : ''})`],
      ['artifact', `${r.artifact.name ?? '(unnamed)'} (id ${r.artifact.id}${r.artifact.state ? `, ${r.artifact.state}` : ''})`]);
  }
  lines.push(['storage', d.storageUri], ['provider', `${d.provider.package} ${d.provider.version}`]);
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  let text = lines.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`).join('\n');
  if (d.files) {
    text += `\nfiles:    ${d.files.length}, ${d.totalBytes} bytes\n` + d.files.map((f) => `  ${String(f.size).padStart(14)}  ${f.path}`).join('\n');
  }
  writeOut(text);
}
