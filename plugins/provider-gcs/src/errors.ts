/**
 * SDK failures → provider errors with a kind and a retry status. The SDK raises ApiError (`code` = HTTP
 * status), node-fetch FetchError/system errors (`code` = ECONNRESET, …), and google-auth-library errors
 * (GaxiosError with `response.status`) when a token cannot be had.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';
import type { AuthMode } from './auth.js';

/** What was being done when it failed, for the one-line message. */
export interface Operation {
  /** 'list', 'stat' or 'read'. */
  op: string;
  /** gs://bucket/name */
  target: string;
  authMode: AuthMode;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/** True when `error` already carries a kind (thrown by this provider's own code). */
export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof Error && typeof (error as ProviderError).kind === 'string';
}

/** Maps any failure of an SDK call to a ProviderError naming the operation and the object. */
export function toProviderError(error: unknown, where: Operation): ProviderError {
  if (isProviderError(error)) return error;
  const status = statusOf(error);
  const detail = serverMessage(error) || serverMessage((error as { cause?: unknown } | undefined)?.cause);
  if (status !== undefined) {
    return make(kindOfStatus(status), `gcs: ${where.op} ${where.target} failed: HTTP ${status}${detail ? ` ${detail}` : ''}`, {
      status, cause: error, hint: hintFor(status, where.authMode), retryAfterMs: retryAfterOf(error),
    });
  }
  const code = codeOf(error);
  if (/Could not load the default credentials/i.test(detail)) {
    return make('PermissionDenied', `gcs: ${where.op} ${where.target} failed: no Application Default Credentials found`, {
      cause: error, hint: 'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key JSON, or unset GCS_USE_ADC for anonymous access.',
    });
  }
  const transient = (code !== undefined && TRANSIENT_CODES.has(code)) || isTimeoutOrAbort(error);
  return make(transient ? 'Unavailable' : 'Unexpected', `gcs: ${where.op} ${where.target} failed: ${code ? `${code} ` : ''}${detail || 'unknown error'}`, {
    cause: error,
  });
}

/** The error for an abort of ctx.signal (cancel, or the engine's stall deadline): retryable, the engine decides. */
export function abortedError(where: Operation, reason: unknown): ProviderError {
  const error = make('Unavailable', `gcs: ${where.op} ${where.target} aborted`, { cause: reason });
  error.name = 'AbortError';
  return error;
}

function make(kind: ProviderErrorKind, message: string, extra: { status?: number; cause?: unknown; hint?: string; retryAfterMs?: number }): ProviderError {
  const error = new Error(message.replace(/\s*\n\s*/g, ' '), { cause: extra.cause }) as ProviderError;
  error.kind = kind;
  error.retryable = kind === 'Unavailable' || kind === 'RateLimited' || kind === 'ContentIncomplete';
  if (extra.status !== undefined) error.status = extra.status;
  if (extra.hint !== undefined) error.hint = extra.hint;
  if (extra.retryAfterMs !== undefined) error.retryAfterMs = extra.retryAfterMs;
  return error;
}

function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'PermissionDenied';
  if (status === 412) return 'VersionChanged';
  if (status === 429) return 'RateLimited';
  if (status === 408 || status >= 500) return 'Unavailable';
  if (status === 400) return 'InvalidConfig';
  return 'Unexpected';
}

function hintFor(status: number, authMode: AuthMode): string | undefined {
  if (status === 401 || status === 403) {
    if (authMode === 'anonymous') {
      return 'No credentials were sent: set GOOGLE_APPLICATION_CREDENTIALS to a service-account key JSON ' +
        '(KServe mounts it from the GCS secret), or GCS_USE_ADC=true for GKE Workload Identity.';
    }
    return 'Grant the credentials in GOOGLE_APPLICATION_CREDENTIALS (or the ADC identity) storage.objects.list and storage.objects.get on the bucket.';
  }
  if (status === 404) return 'Check the bucket and object names in the gs:// URI.';
  if (status === 400) return 'Check the gs:// URI (bucket names are 3-63 lowercase letters, digits, dashes, dots, underscores).';
  return undefined;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; response?: { status?: unknown; statusCode?: unknown } } | undefined;
  if (typeof e?.code === 'number' && e.code >= 100 && e.code < 600) return e.code;
  const status = e?.response?.status ?? e?.response?.statusCode;
  return typeof status === 'number' && status >= 300 ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; errno?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.errno === 'string') return e.errno;
  return e?.cause !== undefined && e.cause !== error ? codeOf(e.cause) : undefined;
}

function isTimeoutOrAbort(error: unknown): boolean {
  const e = error as { name?: unknown; type?: unknown } | undefined;
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.type === 'request-timeout' ||
    e?.type === 'body-timeout' || e?.type === 'system' || e?.type === 'aborted';
}

/** The server's own message; the streaming path puts the raw JSON error body in `message`. */
function serverMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const text = raw.trim();
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } | string; error_description?: unknown };
      if (typeof body.error === 'object' && typeof body.error?.message === 'string') return body.error.message;
      if (typeof body.error === 'string') return [body.error, body.error_description].filter(Boolean).join(': ');
    } catch {
      // not JSON after all
    }
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: unknown } } | undefined)?.response?.headers;
  let value: unknown;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') value = (headers as Map<string, string>).get('retry-after');
  else if (headers && typeof headers === 'object') value = (headers as Record<string, unknown>)['retry-after'];
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
