/**
 * One file, start to verified: parts in parallel under the shared budget, resumed from the journal,
 * restarted when the object changes (bounded) or the backend ignores ranges, then checked: size always,
 * every checksum the backend gave (hashed while writing for a single stream, else by re-reading).
 * A checksum mismatch refetches the file once, then fails: never a silent wrong byte.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { RemoteObject } from '../providers/contract.js';
import { ErrChecksumMismatch, ErrContentIncomplete, ErrDestination, ErrStorageUnavailable } from '../errors.js';
import { childController } from './abort.js';
import { FileJournal, type DoneLog, type JournalHeader } from './journal.js';
import { MAX_VERSION_RESTARTS, type TransferJob } from './options.js';
import { fetchPart, partBytes, RestartFile, splitParts, type Part, type PartContext } from './parts.js';
import type { PlannedFile } from './plan.js';
import type { RunState } from './run-state.js';
import { quotePath } from './safe-path.js';
import type { Staging } from './staging.js';
import { createHashers, findMismatch, hashFile, type Hasher } from './verify.js';

export interface FileTask {
  run: RunState;
  job: TransferJob;
  staging: Staging;
  done: DoneLog;
  file: PlannedFile;
  /** The job's signal. */
  signal: AbortSignal;
  /** The object as listed now (after it changed, or before a refetch). */
  relist(path: string): Promise<RemoteObject>;
}

export interface FetchedFile {
  path: string;
  /** The object the bytes belong to (relisted after a restart). */
  object: RemoteObject;
  /** Size on disk. */
  size: number;
  /** Bytes read from storage by this run. */
  fetched: number;
}

function headerFor(path: string, object: RemoteObject, partSize: number): JournalHeader {
  const checksums = (object.checksums ?? []).map((c) => `${c.algorithm}:${c.value.toLowerCase()}`).sort().join(',');
  return {
    v: 1, path, size: object.size, ...(object.version !== undefined ? { version: object.version } : {}), partSize,
    ...(checksums ? { checksums } : {}),
  };
}

/** Opens the staging file, keeping its bytes only when the journal vouches for some of them. */
async function openData(path: string, journal: FileJournal | undefined, header: JournalHeader): Promise<FileHandle> {
  if (journal && journal.done.size > 0) {
    const kept = await open(path, 'r+').catch(() => undefined);
    if (kept) {
      if ((await kept.stat()).size === header.size) return kept;
      await kept.close();
    }
    await journal.reset(header);
  }
  const fh = await open(path, 'w');
  if (header.size > 0) await fh.truncate(header.size); // sized up front (sparse); parts write at their offsets
  return fh;
}

/** Runs the pending parts with up to `connections` in flight; the first failure stops the others. */
async function runParts(pending: readonly Part[], base: Omit<PartContext, 'signal'>, parent: AbortSignal): Promise<number> {
  const file = childController(parent);
  let next = 0;
  let end = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < pending.length) {
      const part = pending[next++]!;
      try {
        end = Math.max(end, await fetchPart(part, { ...base, signal: file.signal }));
      } catch (error) {
        if (!failure) {
          failure = { error };
          file.controller.abort(error);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(pending.length, base.run.options.connections) }, worker));
  } finally {
    file.dispose();
  }
  if (failure) throw failure.error;
  return end;
}

export async function fetchFile(task: FileTask): Promise<FetchedFile> {
  const { run, job, staging, file } = task;
  const { partSize } = run.options;
  const path = file.path;
  const dataPath = staging.dataPath(path);
  let object = file.object;
  let rangesIgnored = false;
  let versionRestarts = 0;
  let refetched = false;
  let fetched = 0;

  const recorded = task.done.sizeOf(headerFor(path, object, partSize));
  if (recorded !== undefined && (await stat(dataPath).catch(() => undefined))?.size === recorded) {
    run.progress.addBytes(recorded, false);
    run.progress.fileDone();
    return { path, object, size: recorded, fetched };
  }
  await staging.ensureParent(dataPath);
  for (;;) {
    const header = headerFor(path, object, partSize);
    const ranged = job.provider.capabilities.rangedRead && !rangesIgnored;
    const parts = splitParts(object.size, partSize, ranged);
    // Only a multi-part file has ranges worth journalling; a single stream restarts from 0 anyway.
    const journal = parts.length > 1 ? await FileJournal.open(staging.journalPath(path), header) : undefined;
    const fh = await openData(dataPath, journal, header);
    let counted = 0;
    const count = (delta: number, fromStorage: boolean): void => {
      counted += delta;
      if (delta >= 0) run.progress.addBytes(delta, fromStorage);
      else run.progress.removeBytes(-delta);
      if (fromStorage && delta > 0) fetched += delta;
    };
    try {
      const pending = parts.filter((p) => p.end === undefined || !journal?.done.has(FileJournal.key(p.start, p.end)));
      count(partBytes(parts) - partBytes(pending), false);
      // Hash while writing only when this process writes the whole file as one in-order stream.
      let hashers: Hasher[] | undefined = parts.length === 1 ? createHashers(object.checksums) : undefined;
      const end = await runParts(pending, {
        run, provider: job.provider, object, path, fh, journal, ranged, single: parts.length === 1,
        hashers: () => hashers,
        resetHashers: () => { if (hashers) hashers = createHashers(object.checksums); },
        onBytes: (delta) => count(delta, true),
        label: `the staging copy of ${quotePath(path)}`,
      }, task.signal);
      await journal?.settle().catch((error: unknown) => {
        throw new ErrDestination(`recording progress of ${quotePath(path)} in ${staging.root} failed: ${(error as Error).message}`, { cause: error });
      });
      const size = object.size >= 0 ? object.size : end;
      const onDisk = (await fh.stat()).size;
      if (onDisk !== size) throw new ErrContentIncomplete(`${quotePath(path)}: ${onDisk} bytes on disk, ${size} expected`);
      const digests = hashers ?? await hashFile(dataPath, object.checksums, task.signal);
      const mismatch = findMismatch(digests, object.checksums);
      if (!mismatch) {
        // No fdatasync: the page cache serves every reader on this kernel, and what it could lose (a
        // reboot) is caught by the boot id that staging and the marker record (see staging.ts).
        await task.done.record(header, size);
        await journal?.discard();
        run.progress.fileDone();
        return { path, object, size, fetched };
      }
      const what = `${quotePath(path)} from ${job.provider.name}: ${mismatch.algorithm} of the bytes received is ${mismatch.actual}, the storage says ${mismatch.expected}`;
      if (refetched) {
        await fh.truncate(0); // the bytes are wrong: a rerun must not trust them
        throw new ErrChecksumMismatch(`${what} (also after a refetch)`);
      }
      run.ctx.logger.warn(`checksum mismatch, fetching the file again: ${what}`);
      refetched = true;
      object = await task.relist(path);
    } catch (error) {
      if (!(error instanceof RestartFile)) throw error;
      if (error.reason === 'ranges') {
        if (rangesIgnored) throw new ErrContentIncomplete(`${quotePath(path)}: ${job.provider.name} sent more bytes than asked`, { cause: error.cause });
        run.ctx.logger.warn(`${job.provider.name} ignored a byte range for ${quotePath(path)}; fetching it as one stream`);
        rangesIgnored = true;
      } else {
        versionRestarts += 1;
        if (versionRestarts > MAX_VERSION_RESTARTS) {
          throw new ErrStorageUnavailable(`${quotePath(path)} kept changing during the download (${MAX_VERSION_RESTARTS} restarts)`,
            { cause: error.cause, hint: 'Wait until the upload of the model has finished, then retry.' });
        }
        run.ctx.logger.warn(`${quotePath(path)} changed during the download; starting it again`);
        object = await task.relist(path);
      }
    } finally {
      await journal?.close(); // before the data file: its last checkpoint flushes through it
      await fh.close();
    }
    count(-counted, false); // a restart: what this attempt counted is gone
    await journal?.discard();
  }
}
