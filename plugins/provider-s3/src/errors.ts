/**
 * AWS SDK and socket errors → provider errors with a `kind`, `retryable`, `status` and a hint. Matches on
 * the S3 error code, the HTTP status and Node's error codes, never on message text.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';

/** What the user can do when S3 refuses the credentials (KServe's variables). */
export const PERMISSION_HINT =
  'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a Secret on the service account), AWS_ENDPOINT_URL for a ' +
  'non-AWS store, or use IRSA (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE); set awsAnonymousCredential=true for a public bucket.';
const NOT_FOUND_HINT = 'Check the bucket and key in the URI, AWS_ENDPOINT_URL and AWS_DEFAULT_REGION.';
const REGION_HINT = 'Set AWS_DEFAULT_REGION (or AWS_REGION) to the bucket\'s region, or AWS_ENDPOINT_URL for a non-AWS store.';
const TLS_HINT = 'Mount the server\'s CA and set AWS_CA_BUNDLE (or CA_BUNDLE_CONFIGMAP_NAME), or S3_VERIFY_SSL=0 for a test store.';
const NETWORK_HINT = 'Check AWS_ENDPOINT_URL / S3_ENDPOINT, S3_USE_HTTPS and network policies.';

const NOT_FOUND = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound', 'NoSuchVersion']);
const DENIED = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired',
  'AccountProblem', 'AllAccessDisabled', 'CredentialsProviderError', 'ExpiredTokenException',
  'InvalidIdentityToken', 'AccessDeniedException',
]);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'BandwidthLimitExceeded']);
const TRANSIENT = new Set(['InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed', 'TimeoutError',
  'RequestTimeoutException', 'OperationAborted', 'AbortError', 'IDPCommunicationError']);
const MISCONFIGURED = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException',
  'InvalidBucketName', 'InvalidRegion', 'TemporaryRedirect']);
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'ECANCELED']);
const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  $retryable?: unknown;
}

/** Where the failure happened, for the message: `ListObjectsV2 s3://bucket/prefix`. */
export interface ErrorContext {
  operation: string;
  bucket: string;
  key?: string;
}

/** True when `error` already carries a provider kind (it was mapped once). */
export function isProviderError(error: unknown): error is ProviderError {
  return typeof error === 'object' && error !== null && typeof (error as ProviderError).kind === 'string' &&
    typeof (error as ProviderError).retryable === 'boolean';
}

/** Maps any error from the SDK, a socket or a stream into a `ProviderError` (a new Error with the original as cause). */
export function toProviderError(error: unknown, context: ErrorContext): ProviderError {
  if (isProviderError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const code = e.Code ?? (e.name && e.name !== 'Error' && e.name !== 'S3ServiceException' ? e.name : undefined) ?? e.code;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const { kind, retryable, hint } = classify(code, e.code, status);
  const where = `s3://${context.bucket}${context.key === undefined ? '' : '/' + context.key}`;
  const detail = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
  const serverMessage = e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const message = `s3: ${context.operation} ${where} failed${detail ? ` (${detail})` : ''}${serverMessage}`.replace(/\s*\n\s*/g, ' ');
  const mapped: ProviderError = Object.assign(new Error(message, { cause: error }), { kind, retryable });
  mapped.name = 'S3ProviderError';
  if (status !== undefined) mapped.status = status;
  if (hint) mapped.hint = hint;
  const retryAfterMs = parseRetryAfter(e.$response?.headers?.['retry-after']);
  if (retryAfterMs !== undefined) mapped.retryAfterMs = retryAfterMs;
  return mapped;
}

/** Decorates an error a body stream emits, in place, so the engine sees a kind without a second error object. */
export function decorateStreamError(error: unknown, context: ErrorContext): void {
  if (typeof error !== 'object' || error === null || isProviderError(error)) return;
  const mapped = toProviderError(error, context);
  Object.assign(error, { kind: mapped.kind, retryable: mapped.retryable, hint: mapped.hint });
}

/** Builds a provider error that did not come from the SDK (an ignored range, a changed ETag, …). */
export function providerError(kind: ProviderErrorKind, retryable: boolean, message: string, hint?: string): ProviderError {
  const error: ProviderError = Object.assign(new Error(message), { kind, retryable });
  error.name = 'S3ProviderError';
  if (hint) error.hint = hint;
  return error;
}

function classify(code: string | undefined, nodeCode: string | undefined, status: number | undefined):
  { kind: ProviderErrorKind; retryable: boolean; hint?: string } {
  if (code && NOT_FOUND.has(code)) return { kind: 'NotFound', retryable: false, hint: NOT_FOUND_HINT };
  if (code === 'PreconditionFailed' || status === 412) {
    return { kind: 'VersionChanged', retryable: false, hint: 'The object was replaced during the download; run again.' };
  }
  if (code === 'InvalidObjectState') {
    return { kind: 'Unexpected', retryable: false, hint: 'The object is archived (Glacier / Deep Archive): restore it first.' };
  }
  if (code && DENIED.has(code)) return { kind: 'PermissionDenied', retryable: false, hint: PERMISSION_HINT };
  if (code && THROTTLED.has(code)) return { kind: 'RateLimited', retryable: true };
  if (code && MISCONFIGURED.has(code)) return { kind: 'InvalidConfig', retryable: false, hint: REGION_HINT };
  if (code && TRANSIENT.has(code)) return { kind: 'Unavailable', retryable: true };
  if (nodeCode && TLS_CODES.has(nodeCode)) return { kind: 'InvalidConfig', retryable: false, hint: TLS_HINT };
  if (nodeCode && SOCKET_CODES.has(nodeCode)) return { kind: 'Unavailable', retryable: true, hint: NETWORK_HINT };
  if (status === 429 || status === 503) return { kind: 'RateLimited', retryable: true };
  if (status === 404) return { kind: 'NotFound', retryable: false, hint: NOT_FOUND_HINT };
  if (status === 401 || status === 403) return { kind: 'PermissionDenied', retryable: false, hint: PERMISSION_HINT };
  if (status === 301 || status === 307) return { kind: 'InvalidConfig', retryable: false, hint: REGION_HINT };
  if (status !== undefined && status >= 500) return { kind: 'Unavailable', retryable: true };
  if (code === 'InvalidRange' || status === 416) return { kind: 'Unexpected', retryable: false };
  if (status === undefined && /^(aborted|socket hang up)$/i.test(code ?? '')) return { kind: 'Unavailable', retryable: true };
  return { kind: 'Unexpected', retryable: false };
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
