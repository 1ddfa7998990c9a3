/**
 * File-system errors → provider error kinds. A plain Error with `kind` and `retryable`, never a class of
 * our own: the core recognises errors by these properties, not by `instanceof`.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';

/** A provider error: `file: <message>`, with the contract's fields. */
export function fileError(kind: ProviderErrorKind, message: string, options: { retryable?: boolean; hint?: string; cause?: unknown } = {}): ProviderError {
  const error = new Error(`file: ${message}`, options.cause === undefined ? undefined : { cause: options.cause }) as ProviderError;
  error.kind = kind;
  error.retryable = options.retryable ?? false;
  if (options.hint) error.hint = options.hint;
  return error;
}

/** True for an error already carrying the contract's fields (so it is not wrapped twice). */
export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof Error && typeof (error as ProviderError).kind === 'string' && typeof (error as ProviderError).retryable === 'boolean';
}

// Resource exhaustion and interrupted calls clear up on their own; a retry can succeed.
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT', 'ESTALE']);

/** The kind of a Node fs error, by its `code`. */
export function kindOf(code: string | undefined): { kind: ProviderErrorKind; retryable: boolean } {
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'NotFound', retryable: false };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ERR_ACCESS_DENIED') return { kind: 'PermissionDenied', retryable: false };
  if (code && TRANSIENT.has(code)) return { kind: 'Unavailable', retryable: true };
  // EIO and the like: a failing disk or network mount; one more attempt is cheap and sometimes works.
  if (code === 'EIO') return { kind: 'Unavailable', retryable: true };
  return { kind: 'Unexpected', retryable: false };
}

/** An fs error as a provider error; `what` is the operation and path, e.g. `list /models/iris`. */
export function fromFsError(error: unknown, what: string): ProviderError {
  if (isProviderError(error)) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const { kind, retryable } = kindOf(code);
  const reason = kind === 'NotFound' ? 'no such file or folder'
    : kind === 'PermissionDenied' ? 'permission denied'
      : (error as Error)?.message ?? String(error);
  const hint = kind === 'PermissionDenied'
    ? 'Make the path readable by the user mr-init runs as (in a pod, check the volume mount and fsGroup).'
    : undefined;
  return fileError(kind, `${what}: ${reason}${code && kind !== 'Unexpected' ? ` (${code})` : ''}`, { retryable, hint, cause: error });
}

/**
 * Gives an error a stream emits the contract's fields in place, so the engine classifies a failure
 * mid-read (EIO on a flaky mount) like one at open time.
 */
export function decorateStreamError(error: unknown, what: string): void {
  if (!(error instanceof Error) || isProviderError(error)) return;
  if (error.name === 'AbortError') return; // our own cancellation: the engine knows why it aborted
  const mapped = fromFsError(error, what);
  Object.assign(error, { kind: mapped.kind, retryable: mapped.retryable });
}
