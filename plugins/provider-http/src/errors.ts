/**
 * HTTP statuses and got/socket errors → provider error kinds. Messages name the operation, the URL with
 * its query values and credentials removed, the status and the server's reason; never a header value.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';

export interface HttpErrorOptions {
  retryable?: boolean;
  status?: number;
  retryAfterMs?: number;
  hint?: string;
  cause?: unknown;
}

/** The variable holding extra request headers for `hostname` (KServe's name: `<hostname>-headers`). */
export function headersVariable(hostname: string): string {
  return `${hostname.replace(/^\[|\]$/g, '').toLowerCase()}-headers`;
}

/** A plain Error decorated with the contract's fields (never a class: plugins are matched by `kind`). */
export function httpError(kind: ProviderErrorKind, message: string, options: HttpErrorOptions = {}): ProviderError {
  const error = new Error(`http: ${message}`, options.cause === undefined ? undefined : { cause: options.cause }) as ProviderError;
  error.kind = kind;
  error.retryable = options.retryable ?? false;
  if (options.status !== undefined) error.status = options.status;
  if (options.retryAfterMs !== undefined) error.retryAfterMs = options.retryAfterMs;
  if (options.hint !== undefined) error.hint = options.hint;
  return error;
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof Error && typeof (error as ProviderError).kind === 'string' && typeof (error as ProviderError).retryable === 'boolean';
}

/** The URL for messages and logs: no userinfo, query values replaced (presigned URLs carry signatures there). */
export function safeUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<invalid URL>';
  }
  const names = [...new Set(u.searchParams.keys())];
  const query = names.length > 0 ? `?${names.map((n) => `${encodeURIComponent(n)}=REDACTED`).join('&')}` : '';
  return `${u.protocol}//${u.host}${u.pathname}${query}`;
}

/** Retry-After (seconds or an HTTP date) in milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface StatusContext {
  op: string;
  url: string;
  status: number;
  reason?: string;
  /** A short excerpt of the error body, where the server sent text. */
  detail?: string;
  retryAfter?: string;
}

/** An error for an HTTP status that is not a success. */
export function fromStatus(c: StatusContext): ProviderError {
  const said = c.detail ? `: ${c.detail}` : '';
  const message = `${c.op} ${safeUrl(c.url)} failed: HTTP ${c.status}${c.reason ? ` ${c.reason}` : ''}${said}`;
  const base = { status: c.status };
  const host = new URL(c.url).hostname;
  if (c.status === 401 || c.status === 403) {
    return httpError('PermissionDenied', message, { ...base,
      hint: `Set the ${headersVariable(host)} variable to a JSON object of request headers with credentials, e.g. {"Authorization": "Bearer …"}.` });
  }
  if (c.status === 404 || c.status === 410) return httpError('NotFound', message, { ...base, hint: 'Check the URL: the server has no file there.' });
  if (c.status === 407) return httpError('PermissionDenied', message, { ...base, hint: 'The proxy wants credentials: put them in the proxy URL (http://user:password@proxy:port).' });
  if (c.status === 412) return httpError('VersionChanged', message, base);
  if (c.status === 429) return httpError('RateLimited', message, { ...base, retryable: true, retryAfterMs: parseRetryAfter(c.retryAfter) });
  if (c.status === 408 || c.status >= 500) {
    return httpError('Unavailable', message, { ...base, retryable: true, retryAfterMs: parseRetryAfter(c.retryAfter) });
  }
  return httpError('Unexpected', message, base);
}

const TRANSIENT = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ERR_HTTP2_STREAM_ERROR',
]);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO/;

/** An error for a failure below HTTP: sockets, DNS, timeouts, TLS, proxies, aborts. */
export function fromRequestError(op: string, url: string, error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  const e = error as Error & { code?: string; event?: string };
  const code = e.code ?? '';
  const where = `${op} ${safeUrl(url)}`;
  const proxy = /^Bad response: (\d{3})/.exec(e.message ?? '');
  if (proxy) return fromStatus({ op: `${op} (through the proxy)`, url, status: Number(proxy[1]), reason: 'from the proxy' });
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return httpError('Unavailable', `${where} timed out${e.event ? ` (${e.event})` : ''}: ${e.message}`, { retryable: true, cause: error });
  }
  if (e.name === 'AbortError' || code === 'ERR_ABORTED' || code === 'ABORT_ERR') {
    return httpError('Unavailable', `${where} was aborted (cancelled, or the part's stall deadline passed)`, { retryable: true, cause: error });
  }
  if (TLS.test(code)) {
    return httpError('InvalidConfig', `${where}: TLS verification failed (${code}): ${e.message}`, {
      cause: error, hint: 'Trust the server\'s CA with CA_BUNDLE_CONFIGMAP_NAME (the ConfigMap holds cabundle.crt).' });
  }
  if (code === 'ENOTFOUND') {
    return httpError('Unavailable', `${where}: host ${new URL(url).hostname} not found (DNS)`, { retryable: true, cause: error,
      hint: 'Check the host name, the cluster DNS, and HTTP(S)_PROXY / NO_PROXY.' });
  }
  if (TRANSIENT.has(code) || /premature close|socket hang up|aborted/i.test(e.message ?? '')) {
    return httpError('Unavailable', `${where}: connection failed (${code || e.message})`, { retryable: true, cause: error });
  }
  return httpError('Unexpected', `${where}: ${e.message}${code ? ` (${code})` : ''}`, { cause: error });
}
