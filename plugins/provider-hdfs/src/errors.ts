/**
 * WebHDFS failures → provider error kinds. Both transports (the webhdfs client, whose own errors keep only
 * the message, and our raw node:http calls) hand over the same facts: HTTP status, the RemoteException's
 * Java exception name and message, or a socket error code. Mapping is by those, never by message text.
 */
import type { ProviderError, ProviderErrorKind } from '@mr-init/core';

/** What we know about one failed WebHDFS call. */
export interface WebHdfsFailure {
  /** e.g. 'GETFILESTATUS'. */
  op: string;
  /** The HDFS path asked for (never a URL: those may carry a delegation token). */
  path: string;
  /** 'host:port' of the NameNode or DataNode that answered. */
  node: string;
  /** Which hop failed: only NameNode failures move on to the next NameNode. */
  stage?: 'namenode' | 'datanode';
  status?: number;
  /** RemoteException.exception, e.g. 'FileNotFoundException'. */
  exception?: string;
  /** RemoteException.message or the transport's message. */
  message?: string;
  /** Socket/TLS error code (ECONNREFUSED, …). */
  code?: string;
  cause?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
  'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET',
]);
const TLS_CODE = /^(?:ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_|EPROTO$)/;
const DENIED = new Set(['AccessControlException', 'SecurityException', 'AuthorizationException', 'AuthenticationException']);
const PERMISSION_HINT =
  'Set USER_PROXY to a user that may read the path, or give a delegation token (HDFS_DELEGATION_TOKEN, or HEADERS for a gateway).';

/** Builds a provider error: a plain Error decorated with kind/retryable/status/hint (see ProviderError). */
export function providerError(
  kind: ProviderErrorKind,
  message: string,
  extra: { retryable?: boolean; status?: number; hint?: string; cause?: unknown } = {},
): ProviderError {
  const error = new Error(message, extra.cause === undefined ? undefined : { cause: extra.cause }) as ProviderError;
  error.kind = kind;
  error.retryable = extra.retryable ?? false;
  if (extra.status !== undefined) error.status = extra.status;
  if (extra.hint !== undefined) error.hint = extra.hint;
  return error;
}

/** A connection-level failure: the next NameNode of an HA pair may answer. */
export function isConnectionFailure(f: WebHdfsFailure): boolean {
  return f.stage !== 'datanode' && f.status === undefined && f.code !== undefined && CONNECTION_CODES.has(f.code);
}

/** The NameNode answered but is not the active one. */
export function isStandby(f: WebHdfsFailure): boolean {
  return f.exception === 'StandbyException';
}

/** The op is unknown to this server (LISTSTATUS_BATCH before Hadoop 2.8, some gateways). */
export function isUnsupportedOp(f: WebHdfsFailure): boolean {
  return (f.status === 400 || f.status === 501) &&
    (f.exception === undefined || f.exception === 'IllegalArgumentException' || f.exception === 'UnsupportedOperationException');
}

/** Maps one failure to the error the engine sees. */
export function toProviderError(f: WebHdfsFailure): ProviderError {
  const what = `hdfs: ${f.op} ${f.path} on ${f.node}`;
  const detail = [f.exception, f.message].filter(Boolean).join(': ') || f.code || `HTTP ${f.status}`;
  const message = `${what} failed: ${detail}`;
  const base = { status: f.status, cause: f.cause };

  if (f.status === undefined && f.code !== undefined) {
    if (TLS_CODE.test(f.code)) {
      // OpenSSL's own text names source files and routines; the code says what went wrong.
      return providerError('InvalidConfig', `${what} failed: TLS handshake failed (${f.code})`, {
        ...base,
        hint: 'Check TLS_CA (the CA that signed the NameNode and DataNode certificates) and TLS_CERT/TLS_KEY (a client ' +
          'certificate the server asks for), or set TLS_SKIP_VERIFY=true.',
      });
    }
    return providerError('Unavailable', message, { ...base, retryable: true, hint: 'Check HDFS_NAMENODE and that WebHDFS is reachable.' });
  }
  if (f.status === 404 && !f.exception && f.stage === 'namenode') {
    // A NameNode answers a missing path with a RemoteException; a bare 404 means no WebHDFS at this URL.
    return providerError('InvalidConfig', `${what} failed: HTTP 404 without a WebHDFS answer`, {
      ...base, hint: 'Check HDFS_NAMENODE: http(s)://host:port of the NameNode\'s WebHDFS (plus the gateway path, if any).',
    });
  }
  if (f.exception === 'FileNotFoundException' || (f.status === 404 && !f.exception)) {
    return providerError('NotFound', message, base);
  }
  if (f.exception === 'StandbyException' || f.exception === 'RetriableException' || f.exception === 'SafeModeException') {
    return providerError('Unavailable', message, { ...base, retryable: true, hint: 'No active NameNode answered; list every NameNode in HDFS_NAMENODE (";"-separated).' });
  }
  if ((f.exception && DENIED.has(f.exception)) || f.status === 401 || f.status === 403) {
    return providerError('PermissionDenied', message, { ...base, hint: PERMISSION_HINT });
  }
  if (f.status === 429) return providerError('RateLimited', message, { ...base, retryable: true });
  if (f.status !== undefined && f.status >= 500) return providerError('Unavailable', message, { ...base, retryable: true });
  if (f.status === undefined) return providerError('Unavailable', message, { ...base, retryable: true });
  return providerError('Unexpected', message, base);
}

/** Reads `{"RemoteException": {...}}` out of a parsed or raw body; undefined fields when it is not one. */
export function parseRemoteException(body: unknown): { exception?: string; message?: string } {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  const remote = (value as { RemoteException?: { exception?: unknown; message?: unknown } } | null)?.RemoteException;
  if (!remote || typeof remote !== 'object') return {};
  return {
    exception: typeof remote.exception === 'string' ? remote.exception : undefined,
    message: typeof remote.message === 'string' ? remote.message.split('\n')[0] : undefined,
  };
}
