/**
 * `list()`: a file:// URI names one file (listed under its basename) or a folder (every file below it,
 * with paths relative to it). A folder is a real folder, so `…/v1` never pulls a sibling `v10/` (the
 * rule KServe's S3 prefixes break, kserve#3776). Symbolic links are followed, as KServe's copy does,
 * except one that leads back into a folder being walked.
 */
import type { BigIntStats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger, RemoteObject } from '@mr-init/core';
import { checksumsOf } from './checksum.js';
import { fileError, fromFsError } from './errors.js';
import type { FileOptions } from './options.js';

/** Files stat'ed at once within one folder: enough to hide latency on network mounts, bounded for huge folders. */
const STAT_BATCH = 64;

/** The local path a file:// URI names, without a trailing '/'. */
export function pathOf(uri: URL): string {
  if (uri.protocol !== 'file:') throw fileError('InvalidConfig', `${uri.protocol}// URIs are not local files (got ${uri.href})`);
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch (error) {
    // A host other than localhost, or an encoded '/': neither names a local path.
    throw fileError('InvalidConfig', `${uri.href} is not a local path: ${(error as Error).message}`, {
      cause: error, hint: 'Use file:///absolute/path (three slashes) or an absolute path.',
    });
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** The version the engine pins: modification time (ns) and size. A rewrite changes one or the other. */
export function versionOf(st: BigIntStats): string {
  return `${st.mtimeNs}-${st.size}`;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function* listFiles(uri: URL, options: FileOptions, logger: Logger): AsyncGenerator<RemoteObject> {
  const target = pathOf(uri);
  let st: BigIntStats;
  try {
    st = await stat(target, { bigint: true });
  } catch (error) {
    if (!isMissing(error)) throw fromFsError(error, `list ${target}`);
    await requireFolder(dirname(target), target);
    return; // the folder exists but holds nothing by that name: an empty result, which the core reports
  }
  if (st.isFile()) {
    yield await describe(target, basename(target), st, options);
    return;
  }
  if (!st.isDirectory()) throw fileError('NotFound', `list ${target}: not a regular file or folder`);
  yield* walk(target, '', new Set([identity(st)]), options, logger);
}

/** A missing path is an empty result only inside an existing folder; a missing folder is NotFound. */
async function requireFolder(folder: string, target: string): Promise<void> {
  let st: BigIntStats;
  try {
    st = await stat(folder, { bigint: true });
  } catch (error) {
    if (isMissing(error)) throw fileError('NotFound', `list ${target}: the folder ${folder} does not exist`, { cause: error });
    throw fromFsError(error, `list ${target}`);
  }
  if (!st.isDirectory()) throw fileError('NotFound', `list ${target}: ${folder} is a file, not a folder`);
}

const identity = (st: BigIntStats): string => `${st.dev}:${st.ino}`;

/** `ancestors` holds the folders on the current path (device:inode), so a link back up is not walked forever. */
async function* walk(folder: string, prefix: string, ancestors: Set<string>, options: FileOptions, logger: Logger): AsyncGenerator<RemoteObject> {
  let names: string[];
  try {
    names = (await readdir(folder)).sort();
  } catch (error) {
    throw fromFsError(error, `list ${folder}`);
  }
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH);
    const stats = await Promise.all(batch.map((name) => stat(join(folder, name), { bigint: true })
      .then((st) => ({ st }), (error: unknown) => ({ error }))));
    for (const [j, name] of batch.entries()) {
      const full = join(folder, name);
      const path = prefix ? `${prefix}/${name}` : name;
      const result = stats[j]!;
      if ('error' in result) {
        // stat follows links: a dangling link is ENOENT. Skip it, as a copy would have nothing to copy.
        if (isMissing(result.error)) {
          logger.warn(`file: skipping ${full}: it is a broken link or vanished while listing`);
          continue;
        }
        throw fromFsError(result.error, `list ${full}`);
      }
      const s = result.st;
      if (s.isFile()) {
        yield await describe(full, path, s, options);
      } else if (s.isDirectory()) {
        const id = identity(s);
        if (ancestors.has(id)) {
          logger.warn(`file: skipping ${full}: a link back to a folder above it`);
          continue;
        }
        ancestors.add(id);
        yield* walk(full, path, ancestors, options, logger);
        ancestors.delete(id);
      }
      // Sockets, pipes and devices are not model files.
    }
  }
}

async function describe(file: string, path: string, st: BigIntStats, options: FileOptions): Promise<RemoteObject> {
  const obj: RemoteObject = { path, size: Number(st.size), location: file, version: versionOf(st) };
  if (options.checksums.length > 0) obj.checksums = await checksumsOf(file, options.checksums);
  return obj;
}
