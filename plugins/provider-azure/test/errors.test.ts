/**
 * SDK failures → provider error kinds, for the statuses Azurite does not produce on demand (429, 5xx,
 * resets, TLS). The errors are the SDK's own RestError class, or Node's socket errors, built directly.
 */
import { RestError } from '@azure/storage-blob';
import { toProviderError, type FailureContext } from '../src/errors.js';

const at: FailureContext = { op: 'list', where: 'https://acct.blob.core.windows.net/c/m', auth: 'account-key', account: 'acct' };

function rest(statusCode: number, code: string, message = `${code} message\nRequestId:1234\nTime:now`, headers: Record<string, string> = {}): RestError {
  const error = new RestError(message, { statusCode, code });
  // The pipeline attaches the response; only its headers matter here.
  Object.defineProperty(error, 'response', { value: { headers: { get: (name: string) => headers[name.toLowerCase()] } } });
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
}

describe('toProviderError', () => {
  test('404 | BlobNotFound, ContainerNotFound, ResourceNotFound → NotFound, not retryable', () => {
    for (const code of ['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound']) {
      expect(toProviderError(rest(404, code), at)).toMatchObject({ kind: 'NotFound', retryable: false, status: 404 });
    }
  });

  test('404 ResourceNotFound when anonymous | PermissionDenied: Azure hides private containers that way', () => {
    const error = toProviderError(rest(404, 'ResourceNotFound'), { ...at, auth: 'anonymous' });
    expect(error.kind).toBe('PermissionDenied');
    expect(error.hint).toMatch(/No Azure credentials were found/);
  });

  test('409 PublicAccessNotPermitted | PermissionDenied: the account forbids anonymous access', () => {
    const error = toProviderError(rest(409, 'PublicAccessNotPermitted'), { ...at, auth: 'anonymous' });
    expect(error).toMatchObject({ kind: 'PermissionDenied', retryable: false, status: 409 });
    expect(error.hint).toMatch(/AZURE_STORAGE_ACCESS_KEY/);
  });

  test('401/403 | PermissionDenied with a hint for the credential that was tried', () => {
    const hints: Record<string, RegExp> = {
      'account-key': /AZURE_STORAGE_ACCESS_KEY/,
      'connection-string': /AZURE_STORAGE_CONNECTION_STRING/,
      sas: /sp=rl/,
      'client-secret': /Storage Blob Data Reader/,
      'workload-identity': /Storage Blob Data Reader/,
    };
    for (const [auth, hint] of Object.entries(hints)) {
      for (const [status, code] of [[403, 'AuthenticationFailed'], [403, 'AuthorizationPermissionMismatch'], [401, 'InvalidAuthenticationInfo']] as const) {
        const error = toProviderError(rest(status, code), { ...at, auth: auth as FailureContext['auth'] });
        expect(error).toMatchObject({ kind: 'PermissionDenied', retryable: false, status });
        expect(error.hint).toMatch(hint);
      }
    }
  });

  test('412 | VersionChanged, not retryable', () => {
    expect(toProviderError(rest(412, 'ConditionNotMet'), at)).toMatchObject({ kind: 'VersionChanged', retryable: false });
  });

  test('429 and 503 ServerBusy | RateLimited, retryable, with Retry-After in ms', () => {
    expect(toProviderError(rest(503, 'ServerBusy', 'busy', { 'retry-after': '2' }), at))
      .toMatchObject({ kind: 'RateLimited', retryable: true, status: 503, retryAfterMs: 2000 });
    const throttled = toProviderError(rest(429, 'TooManyRequests'), at);
    expect(throttled).toMatchObject({ kind: 'RateLimited', retryable: true });
    expect(throttled.retryAfterMs).toBeUndefined();
  });

  test('5xx and 408 | Unavailable, retryable', () => {
    for (const [status, code] of [[500, 'InternalError'], [500, 'OperationTimedOut'], [502, 'BadGateway'], [503, 'ServiceUnavailable'], [504, 'GatewayTimeout'], [408, 'RequestTimeout']] as const) {
      expect(toProviderError(rest(status, code), at)).toMatchObject({ kind: 'Unavailable', retryable: true, status });
    }
  });

  test('resets and timeouts | Unavailable, retryable', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']) {
      expect(toProviderError(socketError(code), at)).toMatchObject({ kind: 'Unavailable', retryable: true });
    }
    expect(toProviderError(new RestError('socket hang up', { code: RestError.REQUEST_SEND_ERROR }), at))
      .toMatchObject({ kind: 'Unavailable', retryable: true });
  });

  test('TLS failures | Unavailable but not retryable, with a CA hint', () => {
    const error = toProviderError(socketError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), at);
    expect(error).toMatchObject({ kind: 'Unavailable', retryable: false });
    expect(error.hint).toMatch(/CA/);
  });

  test('short body | the SDK\'s length check becomes ContentIncomplete, retryable', () => {
    const error = toProviderError(new Error('Data corruption failure: received less data than required and reached maxRetires limitation.'), at);
    expect(error).toMatchObject({ kind: 'ContentIncomplete', retryable: true });
  });

  test('abort | our own abort vs a connection the peer closed', () => {
    const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    const controller = new AbortController();
    expect(toProviderError(abort, { ...at, signal: controller.signal }).message).toMatch(/connection closed/);
    controller.abort();
    expect(toProviderError(abort, { ...at, signal: controller.signal })).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toProviderError(abort, { ...at, signal: controller.signal }).message).toMatch(/aborted$/);
  });

  test('400 bad names | InvalidConfig; anything else Unexpected', () => {
    expect(toProviderError(rest(400, 'InvalidResourceName'), at).kind).toBe('InvalidConfig');
    expect(toProviderError(rest(409, 'BlobArchived'), at)).toMatchObject({ kind: 'Unexpected', hint: expect.stringMatching(/Rehydrate/) });
    expect(toProviderError(rest(400, 'Md5Mismatch'), at).kind).toBe('Unexpected');
    expect(toProviderError('a string', at).kind).toBe('Unexpected');
  });

  test('message | one line: operation, where, status, code, the service\'s first line; no cause attached', () => {
    const error = toProviderError(rest(403, 'AuthenticationFailed', 'Server failed to authenticate the request.\nRequestId:abc\nTime:t'), at);
    expect(error.message).toBe('azure: list https://acct.blob.core.windows.net/c/m failed: 403 AuthenticationFailed: Server failed to authenticate the request.');
    expect(error.cause).toBeUndefined();
  });

  test('idempotent | a provider error passes through unchanged', () => {
    const first = toProviderError(rest(404, 'BlobNotFound'), at);
    expect(toProviderError(first, { ...at, op: 'read' })).toBe(first);
  });
});
