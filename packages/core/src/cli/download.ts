/**
 * One download run: resolve every SRC to a storage URI, choose and load its provider, then hand all
 * pairs to the transfer engine together so they share one connection budget.
 */
import { ErrInterrupted } from '../errors.js';
import type { Settings } from '../config/index.js';
import type { CliLogger } from '../output/logger.js';
import type { ProviderDescriptor } from '../providers/descriptor.js';
import { loadProvider } from '../providers/load.js';
import { selectProvider } from '../providers/select.js';
import { storageSettingsFor } from '../providers/storage-settings.js';
import { runTransfers, type TransferJob, type TransferOptions, type TransferSummary } from '../transfer/index.js';
import { resolveSource } from './sources.js';

export interface DownloadPair {
  source: string;
  dest: string;
}

export async function downloadPairs(pairs: readonly DownloadPair[], settings: Settings, descriptors: readonly ProviderDescriptor[],
  logger: CliLogger, env: Record<string, string | undefined>, signal: AbortSignal): Promise<TransferSummary[]> {
  const jobs: TransferJob[] = [];
  for (const { source, dest } of pairs) {
    const resolved = await resolveSource(source, env, settings.registry, logger);
    const descriptor = selectProvider(resolved.storageUri, descriptors, settings.providers);
    logger.debug(`provider for ${resolved.storageUri.protocol}//${resolved.storageUri.host}: ${descriptor.package}@${descriptor.version}`);
    jobs.push({
      source,
      uri: resolved.storageUri,
      provider: await loadProvider(descriptor),
      providerPackage: descriptor.package,
      dest,
      settings: storageSettingsFor(descriptor, settings.storage),
      ...(resolved.registry ? { resolved: { ...resolved.registry } } : {}),
    });
  }
  if (signal.aborted) throw new ErrInterrupted('stopped before the download started');
  return runTransfers(jobs, transferOptions(settings), { env, settings: settings.storage, logger, signal });
}

export function transferOptions(settings: Settings): TransferOptions {
  return {
    connections: settings.connections,
    partSize: settings.partSize,
    memoryBudget: settings.memoryBudget,
    retries: settings.retries,
    stallTimeoutMs: settings.stallTimeoutMs,
    ...(settings.allowPatterns ? { allowPatterns: settings.allowPatterns } : {}),
    ...(settings.ignorePatterns ? { ignorePatterns: settings.ignorePatterns } : {}),
    unpack: settings.unpack,
    progress: settings.progress,
    progressIntervalMs: settings.progressIntervalMs,
  };
}

/** Pairs from KServe's `src dest [src dest ...]` arguments; undefined when the count is odd or zero. */
export function toPairs(argv: readonly string[]): DownloadPair[] | undefined {
  if (argv.length === 0 || argv.length % 2 !== 0) return undefined;
  const pairs: DownloadPair[] = [];
  for (let i = 0; i < argv.length; i += 2) pairs.push({ source: argv[i]!, dest: argv[i + 1]! });
  return pairs;
}
