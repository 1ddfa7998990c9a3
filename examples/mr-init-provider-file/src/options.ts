/**
 * Settings (STORAGE_CONFIG / the config file's `storage` section) and environment → `FileOptions`.
 * A setting wins over the variable of the same name.
 */
import type { ChecksumAlgorithm, ProviderContext } from '@mr-init/core';
import { fileError } from './errors.js';

/** Algorithms this provider can compute (Node's crypto has both). */
export const SUPPORTED_CHECKSUMS = ['md5', 'sha256'] as const satisfies readonly ChecksumAlgorithm[];
export type FileChecksum = (typeof SUPPORTED_CHECKSUMS)[number];

export interface FileOptions {
  /**
   * Checksums computed at list time and verified by the engine after the copy. Each one reads every file
   * once more before the copy starts (minutes for a 20 GB model), so none by default: a local copy has no
   * network in between to corrupt it. A JSON array or a comma list, e.g. `md5`.
   * @default [] — env `FILE_CHECKSUMS`
   */
  checksums: FileChecksum[];
}

export function readFileOptions(ctx: Pick<ProviderContext, 'env' | 'settings'>): FileOptions {
  return { checksums: parseChecksums(setting(ctx, 'FILE_CHECKSUMS')) };
}

function setting(ctx: Pick<ProviderContext, 'env' | 'settings'>, name: string): unknown {
  const value = ctx.settings?.[name];
  if (value !== undefined && value !== null) return value;
  const env = ctx.env[name];
  return env === undefined || env.trim() === '' ? undefined : env;
}

function parseChecksums(raw: unknown): FileChecksum[] {
  if (raw === undefined) return [];
  let list: unknown = raw;
  if (typeof raw === 'string') list = raw.trim().startsWith('[') ? safeJson(raw) : raw.split(',');
  if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) {
    throw fileError('InvalidConfig', `FILE_CHECKSUMS must be a comma list or a JSON array of ${SUPPORTED_CHECKSUMS.join(', ')}; got ${JSON.stringify(raw)}`);
  }
  const algorithms = list.map((a) => a.trim().toLowerCase()).filter(Boolean);
  for (const a of algorithms) {
    if (!(SUPPORTED_CHECKSUMS as readonly string[]).includes(a)) {
      throw fileError('InvalidConfig', `FILE_CHECKSUMS names "${a}"; supported: ${SUPPORTED_CHECKSUMS.join(', ')}`);
    }
  }
  return [...new Set(algorithms)] as FileChecksum[];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
