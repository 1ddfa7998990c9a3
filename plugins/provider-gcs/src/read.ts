/**
 * One object read through the SDK's createReadStream, made safe for the engine: the promise settles once the
 * server has answered (so 404/403/412 reject read() itself), errors carry kinds, and an abort of ctx.signal
 * destroys the stream — the SDK never ends a body whose connection was reset, so the engine's stall deadline
 * (which aborts the signal) is the only way out of that hang.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { File } from '@google-cloud/storage';
import type { ByteRange, ProviderError } from '@mr-init/core';
import { abortedError, toProviderError, type Operation } from './errors.js';

/** What one read needs. */
export interface ReadRequest {
  /** The object, pinned to the listed generation when there is one. */
  file: File;
  /** The same object unpinned, to tell "overwritten" from "deleted" after a 404. */
  live: File;
  range?: ByteRange;
  /** The listed generation; the response must carry the same. */
  version?: string;
  signal: AbortSignal;
  where: Operation;
}

/** Opens the stream and resolves when the server answered with a success status. */
export function openReadStream(request: ReadRequest): Promise<Readable> {
  const { range, signal, version, where } = request;
  if (signal.aborted) return Promise.reject(abortedError(where, signal.reason));
  const source = request.file.createReadStream({
    // The engine verifies whole files; the SDK cannot check a range, and checking whole reads twice costs CPU.
    validation: false,
    // The SDK's end is inclusive, the contract's exclusive.
    ...(range ? { start: range.start, end: range.end - 1 } : {}),
  });
  const out = new PassThrough();

  return new Promise<Readable>((resolve, reject) => {
    let settled = false;
    const fail = (error: ProviderError): void => {
      if (settled) {
        out.destroy(error);
        return;
      }
      settled = true;
      reject(error);
      out.destroy();
    };
    const onAbort = (): void => fail(abortedError(where, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    out.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      source.destroy();
    });

    source.once('response', (response: { statusCode?: number; headers?: Record<string, string | undefined> }) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) return; // the 'error' that follows carries the server's message
      const served = response.headers?.['x-goog-generation'];
      if (version !== undefined && served !== undefined && served !== version) {
        fail(versionChanged(where, version, served));
        return;
      }
      if (!settled) {
        settled = true;
        resolve(out);
      }
    });
    source.on('error', (error: unknown) => {
      if (settled) {
        out.destroy(toProviderError(error, where));
        return;
      }
      explainFailure(error, request).then(fail, fail);
    });
    source.pipe(out);
  });
}

/** A 404 on a pinned read means "deleted" or "overwritten": ask for the live object to tell which. */
async function explainFailure(error: unknown, request: ReadRequest): Promise<ProviderError> {
  const mapped = toProviderError(error, request.where);
  if (mapped.kind !== 'NotFound' || request.version === undefined) return mapped;
  try {
    const [metadata] = await request.live.getMetadata();
    const current = metadata.generation === undefined ? undefined : String(metadata.generation);
    if (current !== undefined && current !== request.version) return versionChanged(request.where, request.version, current, error);
  } catch {
    // gone for good (or unreadable now): the original NotFound stands
  }
  return mapped;
}

function versionChanged(where: Operation, listed: string, current: string, cause?: unknown): ProviderError {
  const error = new Error(
    `gcs: ${where.op} ${where.target} failed: generation ${listed} was listed but the object is now generation ${current}`,
    cause === undefined ? undefined : { cause },
  ) as ProviderError;
  error.kind = 'VersionChanged';
  error.retryable = false;
  error.hint = 'The object was overwritten during the download; it is fetched again from the start.';
  return error;
}
