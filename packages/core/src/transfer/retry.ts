/**
 * Provider errors → retry decisions and MrInitErrors. Errors are recognised by their `kind` and
 * `retryable` properties (never `instanceof`: a separately installed plugin has its own classes).
 */
import type { ProviderErrorKind } from '../providers/contract.js';
import {
  ErrConfig, ErrContentIncomplete, ErrInterrupted, ErrStorageAuth, ErrStorageNotFound, ErrStorageUnavailable,
  isMrInitError, type MrInitError,
} from '../errors.js';

/** Node/undici socket errors that a provider may let through undecorated (a stream reset mid-body). */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ERR_HTTP2_STREAM_ERROR',
]);

interface Decorated { kind?: unknown; retryable?: unknown; retryAfterMs?: unknown; status?: unknown; hint?: unknown; code?: unknown }

function fields(error: unknown): Decorated {
  return typeof error === 'object' && error !== null ? (error as Decorated) : {};
}

/** The provider error kind, inferred for bare socket errors. */
export function errorKind(error: unknown): ProviderErrorKind | undefined {
  const { kind, code } = fields(error);
  if (typeof kind === 'string') return kind as ProviderErrorKind;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'Unavailable';
  return undefined;
}

/** True when another attempt of the same call may succeed. */
export function isRetryable(error: unknown): boolean {
  const { retryable } = fields(error);
  if (typeof retryable === 'boolean') return retryable;
  const kind = errorKind(error);
  return kind === 'RateLimited' || kind === 'Unavailable' || kind === 'ContentIncomplete';
}

/** The delay the server asked for, if it did. */
export function retryAfter(error: unknown): number | undefined {
  const { retryAfterMs } = fields(error);
  return typeof retryAfterMs === 'number' && retryAfterMs >= 0 ? retryAfterMs : undefined;
}

/** An error the engine raises itself, decorated like a provider's so one classifier handles both. */
export function engineError(kind: ProviderErrorKind, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { kind, retryable: kind !== 'Unexpected', ...extra });
}

/** Exponential backoff with full jitter; a Retry-After wins when longer (capped at 5 minutes). */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, retryAfterMs?: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  const jittered = minMs + Math.random() * Math.max(0, ceiling - minMs);
  return Math.min(Math.max(jittered, retryAfterMs ?? 0), 300_000);
}

function describe(error: unknown): string {
  const { status } = fields(error);
  const message = error instanceof Error ? error.message : String(error);
  return typeof status === 'number' ? `${message} (HTTP ${status})` : message;
}

/**
 * The MrInitError for a failed operation ("read of \"a.bin\" from s3"). MrInitErrors pass through;
 * the provider's hint is kept; anything unknown becomes ErrStorageUnavailable carrying the cause.
 */
export function toMrInitError(error: unknown, operation: string): MrInitError {
  if (isMrInitError(error)) return error;
  const { hint } = fields(error);
  const options = { cause: error, ...(typeof hint === 'string' && hint ? { hint } : {}) };
  const message = `${operation} failed: ${describe(error)}`;
  switch (errorKind(error)) {
    case 'NotFound': return new ErrStorageNotFound(message, options);
    case 'PermissionDenied': return new ErrStorageAuth(message, options);
    case 'InvalidConfig': return new ErrConfig(message, options);
    case 'ContentIncomplete': return new ErrContentIncomplete(message, options);
    default: return new ErrStorageUnavailable(message, options);
  }
}

/** The error to throw when the run's own signal was aborted. */
export function interrupted(signal: AbortSignal | undefined): ErrInterrupted {
  // The caller's own ErrInterrupted (e.g. "stopped by SIGTERM") already says everything.
  if (signal?.reason instanceof ErrInterrupted) return signal.reason;
  const reason = signal?.reason instanceof Error ? signal.reason.message : 'aborted';
  return new ErrInterrupted(`download stopped (${reason}); the staging folder keeps what was fetched`);
}
