/**
 * `read()`: one open, one check of the pinned version against the open file (so the bytes come from
 * the version that was listed), and a stream of the requested range. No retries: the engine retries.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ByteRange, ProviderContext, RemoteObject } from '@mr-init/core';
import { decorateStreamError, fileError, fromFsError } from './errors.js';
import { versionOf } from './list.js';

/** Bytes per chunk: local disks deliver large reads cheaply, and the engine writes in ~1 MiB batches. */
const CHUNK = 1024 * 1024;

export async function readFile(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
  const what = range ? `read ${obj.location} [${range.start}, ${range.end})` : `read ${obj.location}`;
  let handle: FileHandle;
  try {
    handle = await open(obj.location, 'r');
  } catch (error) {
    throw fromFsError(error, what);
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) throw fileError('NotFound', `${what}: no longer a regular file`);
    if (obj.version !== undefined && versionOf(st) !== obj.version) {
      throw fileError('VersionChanged', `${what}: the file changed since it was listed (version ${obj.version}, now ${versionOf(st)})`);
    }
  } catch (error) {
    await handle.close();
    throw fromFsError(error, what);
  }
  if (range && range.end <= range.start) {
    // fs streams take an inclusive `end` and cannot express zero bytes; the engine never asks, but be exact.
    await handle.close();
    return Readable.from([]);
  }
  const stream = handle.createReadStream({
    start: range?.start ?? 0,
    ...(range ? { end: range.end - 1 } : {}),
    highWaterMark: CHUNK,
    autoClose: true,
    signal: ctx.signal,
  });
  stream.on('error', (error) => decorateStreamError(error, what));
  return stream;
}
