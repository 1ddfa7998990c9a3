/**
 * The completion marker, DEST/.mr-init-complete.json, written last: its presence means DEST holds
 * exactly the listed files of one source. A rerun whose listing matches it (and whose files are still
 * there with their sizes) fetches no body at all.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Checksum } from '../providers/contract.js';
import type { TransferJob } from './options.js';
import type { PlannedFile } from './plan.js';
import { MARKER_FILE } from './safe-path.js';

/** One file: its path under DEST, size, version and the backend's checksums. */
export interface MarkerEntry {
  path: string;
  size: number;
  version?: string;
  checksums?: Checksum[];
}

export interface CompletionMarker {
  format: 1;
  /** sha256 of the source and the storage URI: compares sources without storing a SAS or a signed URL. */
  key: string;
  /** What the user asked for, secrets redacted. */
  source: string;
  /** The storage URI listed, secrets redacted. */
  uri: string;
  provider: string;
  providerPackage: string;
  /** Registry resolution (model, version, artifact), secrets redacted. */
  resolved?: Record<string, unknown>;
  completedAt: string;
  /**
   * The kernel's boot id when the files were written (Linux). Files are not flushed to the disk, so a
   * marker from another boot proves nothing about them: that DEST is fetched again.
   */
  bootId?: string;
  /** Objects fetched, as listed (size -1 when the backend did not say). */
  objects: MarkerEntry[];
  /** Files now in DEST with their sizes on disk (the unpacked tree when an archive was unpacked). */
  files: MarkerEntry[];
  /** The archive that was unpacked into DEST, if any. */
  unpacked?: string;
}

/** Identifies a source: same user request and same storage URI. */
export function sourceKey(job: Pick<TransferJob, 'source' | 'uri'>): string {
  return createHash('sha256').update(`${job.source}\n${job.uri.href}`).digest('hex');
}

export function markerPath(dest: string): string {
  return join(dest, MARKER_FILE);
}

export async function readMarker(dest: string): Promise<CompletionMarker | undefined> {
  try {
    const marker = JSON.parse(await readFile(markerPath(dest), 'utf8')) as CompletionMarker;
    return marker.format === 1 && Array.isArray(marker.objects) && Array.isArray(marker.files) ? marker : undefined;
  } catch {
    return undefined;
  }
}

/** The marker entry of a listed object (listed size, not the size received). */
export function objectEntry(file: PlannedFile): MarkerEntry {
  const { size, version, checksums } = file.object;
  return {
    path: file.path, size,
    ...(version !== undefined ? { version } : {}),
    ...(checksums?.length ? { checksums: checksums.map((c) => ({ algorithm: c.algorithm, value: c.value })) } : {}),
  };
}

function sameEntry(a: MarkerEntry, b: MarkerEntry): boolean {
  const sums = (e: MarkerEntry): string => (e.checksums ?? []).map((c) => `${c.algorithm}:${c.value.toLowerCase()}`).sort().join(',');
  return a.path === b.path && a.size === b.size && a.version === b.version && sums(a) === sums(b);
}

/**
 * True when DEST already holds this source as listed now: written in this boot, same key, same objects
 * (path, size, version, checksums), same unpack decision, and every recorded file still there with its size.
 */
export async function isUpToDate(
  marker: CompletionMarker | undefined,
  key: string,
  files: readonly PlannedFile[],
  unpackExpected: boolean,
  dest: string,
  bootId: string | undefined,
): Promise<boolean> {
  if (!marker || marker.key !== key || marker.objects.length !== files.length) return false;
  if (marker.bootId !== undefined && marker.bootId !== bootId) return false;
  if ((marker.unpacked !== undefined) !== unpackExpected) return false;
  const recorded = new Map(marker.objects.map((e) => [e.path, e]));
  for (const file of files) {
    const entry = recorded.get(file.path);
    if (!entry || !sameEntry(entry, objectEntry(file))) return false;
  }
  for (const entry of marker.files) {
    const stat = await lstat(join(dest, entry.path)).catch(() => undefined);
    if (!stat || stat.isDirectory() || stat.size !== entry.size) return false;
  }
  return true;
}
