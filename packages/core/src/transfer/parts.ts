/**
 * One part of one file: a ranged read (or the whole object) pumped into its place in the file, under
 * the shared budget, retried with backoff, and resumed after the bytes already written.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { RemoteObject, StorageProvider } from '../providers/contract.js';
import { childController, sleep, withDeadline } from './abort.js';
import type { FileJournal } from './journal.js';
import { WRITE_BATCH_BYTES } from './options.js';
import { isExcessError, pumpSink, pumpStream } from './part-writer.js';
import { backoffDelay, engineError, errorKind, isRetryable, retryAfter, toMrInitError } from './retry.js';
import { providerContext, type RunState } from './run-state.js';
import { quotePath } from './safe-path.js';
import type { Hasher } from './verify.js';

/** A byte range of the file; `end` undefined when the object's size is unknown. */
export interface Part {
  start: number;
  end: number | undefined;
}

/** Thrown to restart a whole file: its object changed, or the backend ignored a range. */
export class RestartFile extends Error {
  constructor(readonly reason: 'version' | 'ranges', cause: unknown) {
    super(`restart (${reason})`, { cause });
  }
}

/** Splits a file into parts: one part when small, unranged or of unknown size. */
export function splitParts(size: number, partSize: number, ranged: boolean): Part[] {
  if (size < 0) return [{ start: 0, end: undefined }];
  if (size === 0) return [];
  if (!ranged || size <= partSize) return [{ start: 0, end: size }];
  const parts: Part[] = [];
  for (let start = 0; start < size; start += partSize) parts.push({ start, end: Math.min(size, start + partSize) });
  return parts;
}

/** Everything a part needs from its file's current attempt. */
export interface PartContext {
  run: RunState;
  provider: StorageProvider;
  object: RemoteObject;
  path: string;
  fh: FileHandle;
  /** Where completed ranges are recorded (multi-part files only). */
  journal: FileJournal | undefined;
  /** Ranged reads allowed (capability, and the backend did not ignore a range). */
  ranged: boolean;
  /** The file is this single part (then the first read asks for the whole object, no range). */
  single: boolean;
  /** The file attempt's signal. */
  signal: AbortSignal;
  /** Current hashers when hashing while writing; `resetHashers` replaces them after a restart from 0. */
  hashers(): readonly Hasher[] | undefined;
  resetHashers(): void;
  /** Bytes written by this process (counted as fetched) or taken back after a restart from 0. */
  onBytes(delta: number): void;
  label: string;
}

/** Fetches one part; resolves with the offset after its last byte (the size, for an unknown-size object). */
export async function fetchPart(part: Part, pc: PartContext): Promise<number> {
  const { run, signal } = pc;
  const resumable = pc.ranged && part.end !== undefined;
  const reserve = run.budget.clampBytes(Math.min(WRITE_BATCH_BYTES, part.end === undefined ? WRITE_BATCH_BYTES : part.end - part.start));
  let pos = part.start;
  let attempts = 0;
  for (;;) {
    const release = await run.budget.acquire(reserve, signal);
    const attempt = childController(signal);
    const before = pos;
    const range = part.end === undefined || !pc.ranged || (pc.single && pos === 0) ? undefined : { start: pos, end: part.end };
    const operation = `read of ${quotePath(pc.path)}${range ? ` bytes ${range.start}-${range.end - 1}` : ''} from ${pc.provider.name}`;
    let end: number | undefined;
    let buffer: Buffer | undefined = run.buffers.take(reserve);
    const giveBuffer = (): void => {
      if (buffer) run.buffers.give(buffer); // the pump has settled: nothing writes from it any more
      buffer = undefined;
    };
    try {
      const target = {
        fh: pc.fh, position: pos, limit: part.end, buffer, stallMs: run.options.stallTimeoutMs, signal: attempt.signal,
        hashers: pc.hashers(), label: pc.label, onWritten: (bytes: number) => { pos += bytes; pc.onBytes(bytes); },
      };
      const { provider } = pc;
      if (provider.readInto) {
        const ctx = providerContext(run, attempt.signal);
        end = await pumpSink(target, (sink) => provider.readInto!(pc.object, range, sink, ctx), (reason) => attempt.controller.abort(reason));
      } else {
        const stream = await openBody(pc, range, attempt.signal, attempt.controller, run.options.stallTimeoutMs);
        end = await pumpStream({ ...target, stream });
      }
    } catch (error) {
      attempt.controller.abort(error);
      if (signal.aborted) throw error;
      if (errorKind(error) === 'VersionChanged') throw new RestartFile('version', error);
      // Longer than asked: with a range the backend ignored it; without one the object grew since it was listed.
      if (isExcessError(error)) throw new RestartFile(range ? 'ranges' : 'version', error);
      if (!isRetryable(error)) throw toMrInitError(error, operation);
      attempts = resumable && pos > before ? 1 : attempts + 1; // resumed progress earns a fresh set of retries
      if (attempts > run.options.retries) throw toMrInitError(error, `${operation} (after ${run.options.retries} retries)`);
      if (!resumable && pos > part.start) {
        // An unranged stream cannot continue in the middle: start the part over.
        pc.onBytes(part.start - pos);
        pos = part.start;
        pc.resetHashers();
        if (part.end === undefined) await pc.fh.truncate(0);
      }
      const delay = backoffDelay(attempts, run.options.retryMinDelayMs, run.options.retryMaxDelayMs, retryAfter(error));
      run.ctx.logger.debug('read failed, retrying', { path: pc.path, at: pos, attempt: attempts, delayMs: Math.round(delay), error: String(error) });
      giveBuffer(); // nobody waits on a connection or its buffer while this part sleeps
      release();
      await sleep(delay, signal);
    } finally {
      giveBuffer();
      release();
      attempt.dispose();
    }
    if (end === undefined) continue;
    if (part.end !== undefined) pc.journal?.complete(part.start, part.end);
    return end;
  }
}

/** Calls `read()` under the stall deadline; a stream that arrives after the deadline is destroyed. */
async function openBody(
  pc: PartContext,
  range: { start: number; end: number } | undefined,
  signal: AbortSignal,
  controller: AbortController,
  stallMs: number,
): Promise<Readable> {
  let accepted = true;
  // Promise.resolve().then(): a plugin's read() that throws synchronously is just a failed attempt.
  const pending = Promise.resolve().then(() => pc.provider.read(pc.object, range, providerContext(pc.run, signal)));
  pending.then((stream) => {
    if (accepted) return;
    // Nobody will read it: swallow the error it may already carry (a provider that saw the abort first).
    stream.on?.('error', () => {});
    stream.destroy();
  }, () => {});
  try {
    return await withDeadline(pending, stallMs, signal, () => {
      const error = engineError('Unavailable', `no response for ${stallMs} ms`, { stalled: true });
      controller.abort(error);
      return error;
    });
  } catch (error) {
    accepted = false;
    throw error;
  }
}

/** Sums the lengths of parts (the size of an unknown-size part counts as 0). */
export function partBytes(parts: readonly Part[]): number {
  return parts.reduce((sum, p) => sum + (p.end === undefined ? 0 : p.end - p.start), 0);
}
