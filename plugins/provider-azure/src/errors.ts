/**
 * Azure SDK failures → provider error kinds, by HTTP status and the service's error code (x-ms-error-code),
 * never by message text — except the SDK's own download-stream length check, which has nothing else.
 * The SDK error is not attached as `cause`: its request carries the Authorization header and SAS URL.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';

/** How the failing request was authenticated; decides which hint a 401/403 gets. */
export type AuthMethod =
  | 'uri-sas' | 'connection-string' | 'account-key' | 'sas' | 'client-secret' | 'workload-identity'
  | 'managed-identity' | 'anonymous';

/** What the provider was doing when the SDK failed. */
export interface FailureContext {
  /** e.g. 'list', 'read'. */
  op: string;
  /** The container/blob asked for, as a URI without its query (the query may be a SAS). */
  where: string;
  auth: AuthMethod;
  account: string;
  /** The call's signal: tells our own abort (cancel, stall deadline) from a connection the peer cut. */
  signal?: AbortSignal;
}

/** Builds a provider error: a plain Error decorated with kind/retryable/status/hint (see ProviderError). */
export function providerError(
  kind: ProviderErrorKind,
  message: string,
  extra: { retryable?: boolean; status?: number; hint?: string; retryAfterMs?: number } = {},
): ProviderError {
  const error = new Error(message) as ProviderError;
  error.kind = kind;
  error.retryable = extra.retryable ?? false;
  if (extra.status !== undefined) error.status = extra.status;
  if (extra.hint !== undefined) error.hint = extra.hint;
  if (extra.retryAfterMs !== undefined) error.retryAfterMs = extra.retryAfterMs;
  return error;
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH',
  'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const NOT_FOUND_CODES = new Set(['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound']);
const BAD_CONFIG_CODES = new Set(['InvalidResourceName', 'InvalidUri', 'OutOfRangeInput', 'InvalidQueryParameterValue']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/** Maps any error thrown by the SDK (or its download stream) to a ProviderError. */
export function toProviderError(error: unknown, at: FailureContext): ProviderError {
  if (isProviderError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const detail = firstLine(e.message);
  const what = `azure: ${at.op} ${at.where} failed`;
  const said = [status, code].filter((x) => x !== undefined).join(' ');
  const message = `${what}: ${said ? `${said}: ` : ''}${detail}`;

  if (status === undefined) {
    if (e.name === 'AbortError') {
      // The SDK's body stream also reports a socket closed by the peer as an AbortError.
      const why = at.signal?.aborted === false ? 'the connection closed before the body was complete' : 'aborted';
      return providerError('Unavailable', `${what}: ${why}`, { retryable: true });
    }
    // The SDK's download wrapper checks the body length against Content-Length; its message is all it gives.
    if (/^Data corruption failure/.test(e.message ?? '')) {
      return providerError('ContentIncomplete', `${what}: ${detail}`, { retryable: true });
    }
    if (code !== undefined && (NETWORK_CODES.has(code) || /^(ERR_TLS_|CERT_|UNABLE_TO_|ERR_SSL_)/.test(code))) {
      // TLS failures do not heal by retrying; connection failures may.
      const retryable = NETWORK_CODES.has(code);
      return providerError('Unavailable', message, retryable ? { retryable } : {
        hint: 'Check the endpoint\'s TLS certificate (a private CA goes in NODE_EXTRA_CA_CERTS or the CA bundle).',
      });
    }
    return providerError('Unexpected', message);
  }

  if (status === 404 && NOT_FOUND_CODES.has(code ?? '')) {
    // Azure answers an anonymous request for a private container with 404 ResourceNotFound, to hide
    // whether it exists: without credentials that is much more often a missing credential than a typo.
    if (at.auth === 'anonymous' && code === 'ResourceNotFound') {
      return providerError('PermissionDenied', message, { status, hint: permissionHint(at) });
    }
    return providerError('NotFound', message, {
      status,
      hint: code === 'ContainerNotFound'
        ? `Check the container name and that it exists in storage account "${at.account}".`
        : 'Check the path in the URI and that the model was uploaded there.',
    });
  }
  if (status === 404) return providerError('NotFound', message, { status });
  // 409 PublicAccessNotPermitted: anonymous access to an account that forbids it.
  if (status === 401 || status === 403 || code === 'PublicAccessNotPermitted') {
    return providerError('PermissionDenied', message, { status, hint: permissionHint(at) });
  }
  if (status === 412 || code === 'ConditionNotMet') {
    return providerError('VersionChanged', `${what}: the blob changed since it was listed (${said})`, {
      status,
      hint: 'The model was overwritten during the download; run it again once uploads have finished.',
    });
  }
  const retryAfterMs = retryAfter(e);
  const timing = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429 || (status === 503 && (code === 'ServerBusy' || code === undefined))) {
    return providerError('RateLimited', message, { status, retryable: true, ...timing });
  }
  if (status >= 500 || status === 408) return providerError('Unavailable', message, { status, retryable: true, ...timing });
  if (code === 'BlobArchived') {
    return providerError('Unexpected', message, { status, hint: 'Rehydrate the blob from the Archive tier first.' });
  }
  if (status === 400 && BAD_CONFIG_CODES.has(code ?? '')) {
    return providerError('InvalidConfig', message, {
      status, hint: 'Check the container name and path (container names are 3-63 lowercase letters, digits and hyphens).',
    });
  }
  return providerError('Unexpected', message, { status });
}

/** Which variables authenticate, KServe's names first. */
export const CREDENTIALS_ADVICE =
  'set AZURE_STORAGE_ACCESS_KEY (an account key or a SAS), AZURE_STORAGE_CONNECTION_STRING, ' +
  'or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET for a service principal with the ' +
  '"Storage Blob Data Reader" role (or use workload identity)';

/** KServe-style advice: which variables to set, tailored to what was tried. */
export function permissionHint(at: Pick<FailureContext, 'auth' | 'account'>): string {
  const all = CREDENTIALS_ADVICE;
  switch (at.auth) {
    case 'anonymous':
      return `No Azure credentials were found, so the request was anonymous: ${all}.`;
    case 'account-key':
      return `Check that AZURE_STORAGE_ACCESS_KEY is a current key of storage account "${at.account}".`;
    case 'connection-string':
      return `Check that AZURE_STORAGE_CONNECTION_STRING belongs to storage account "${at.account}" and is current.`;
    case 'sas':
    case 'uri-sas':
      return 'Check that the SAS has not expired and grants read and list (sp=rl) on this container.';
    default:
      return `Grant the identity (AZURE_CLIENT_ID) the "Storage Blob Data Reader" role on storage account "${at.account}", or ${all}.`;
  }
}

function retryAfter(e: SdkErrorShape): number | undefined {
  const raw = e.response?.headers?.get?.('retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function firstLine(text: string | undefined): string {
  // The service appends RequestId/Time lines; the first line is the message.
  return (text ?? 'unknown error').split('\n')[0]!.trim() || 'unknown error';
}

function isProviderError(error: unknown): error is ProviderError {
  return error instanceof Error && typeof (error as ProviderError).kind === 'string' &&
    typeof (error as ProviderError).retryable === 'boolean';
}
