/**
 * JSON GETs against the Model Registry with got: bearer auth, CA/TLS settings, a time limit per attempt and
 * retries with backoff on connection errors, timeouts, 408, 429 (honouring Retry-After, capped) and 5xx.
 * Failures come out as `RegistryHttpError` (status, server message, URL); mapping them to user-facing
 * error classes is the client's job, since the same 404 means different things on different endpoints.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import got, { type OptionsInit, type RequestError, type Response, type RetryObject } from 'got';
import type { Logger } from '../providers/contract.js';

/** Upper bound on a server-requested Retry-After wait, so a registry cannot stall an init container for long. */
export const MAX_RETRY_AFTER_MS = 30_000;
/** First backoff step; doubles per attempt up to `MAX_BACKOFF_MS`. */
export const BASE_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 8_000;

/** Connection-level failures worth another attempt. TLS verification errors are not: retrying cannot fix them. */
const RETRYABLE_CODES = new Set([
  'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
  'EAI_AGAIN', 'ENETDOWN', 'EHOSTDOWN',
]);

/** Settings of one `RegistryHttp`: already-loaded secrets, never file paths. */
export interface RegistryHttpOptions {
  /** Base URL ending in the API path; request paths are appended to it. */
  baseUrl: string;
  token?: string;
  /** PEM of extra CA certificates to trust. */
  ca?: string;
  tlsVerify: boolean;
  timeoutMs: number;
  retries: number;
  logger?: Logger;
}

/** Details of a failed registry request. */
export interface RegistryHttpFailure {
  /** The URL called, query included (never credentials: the base URL cannot carry them). */
  url: string;
  attempts: number;
  /** HTTP status; absent for network errors and timeouts. */
  status?: number;
  /** The registry's JSON `message` (token removed), when the body had one. */
  serverMessage?: string;
  /** Network error code (ECONNREFUSED, ETIMEDOUT, DEPTH_ZERO_SELF_SIGNED_CERT, …). */
  errorCode?: string;
  /** Where a 3xx pointed (origin and path only: a query may hold state or secrets). */
  location?: string;
}

/** A failed registry request; the client maps it to a user-facing error class. */
export class RegistryHttpError extends Error implements RegistryHttpFailure {
  readonly url: string;
  readonly attempts: number;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly errorCode?: string;
  readonly location?: string;

  constructor(message: string, failure: RegistryHttpFailure) {
    super(message);
    this.name = 'RegistryHttpError';
    this.url = failure.url;
    this.attempts = failure.attempts;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.serverMessage !== undefined) this.serverMessage = failure.serverMessage;
    if (failure.errorCode !== undefined) this.errorCode = failure.errorCode;
    if (failure.location !== undefined) this.location = failure.location;
  }
}

/** Wait before retry number `attempt` (1-based): the server's Retry-After if it gave one (capped), else backoff. */
export function retryDelayMs(attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.max(1, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  }
  const backoff = Math.min(BASE_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return backoff + Math.floor(Math.random() * 100);
}

/** Whether a failed attempt deserves another: network errors and timeouts, 408, 429 and 5xx. */
export function isRetryable(status: number | undefined, code: string | undefined): boolean {
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** The got options for the TLS and timeout settings (exported so tests can check what reaches got). */
export function tlsAndTimeoutOptions(o: Pick<RegistryHttpOptions, 'ca' | 'tlsVerify' | 'timeoutMs'>): OptionsInit {
  return {
    // These are small JSON calls, so a whole-request deadline per attempt is right here (unlike downloads).
    timeout: { connect: o.timeoutMs, request: o.timeoutMs },
    https: {
      rejectUnauthorized: o.tlsVerify,
      // Node's `ca` replaces the system roots; keep them so a public certificate still verifies.
      ...(o.ca === undefined ? {} : { certificateAuthority: [...rootCertificates, o.ca] }),
    },
  };
}

/** A registry HTTP session: one keep-alive agent per scheme, closed by `close()`. */
export class RegistryHttp {
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };

  constructor(private readonly o: RegistryHttpOptions) {}

  get baseUrl(): string {
    return this.o.baseUrl;
  }

  /** GETs `baseUrl + path` with `query` and returns the parsed JSON body. @throws RegistryHttpError */
  async getJson<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const url = new URL(this.o.baseUrl + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    const shown = url.toString();
    let attempts = 1;
    const started = Date.now();
    const { logger, retries } = this.o;
    try {
      const response = (await got(url, {
        ...tlsAndTimeoutOptions(this.o),
        method: 'GET',
        agent: this.agents,
        headers: {
          accept: 'application/json',
          ...(this.o.token === undefined ? {} : { authorization: `Bearer ${this.o.token}` }),
        },
        // A redirect from a registry is a login page or a scheme upgrade: report it rather than follow it
        // (and never carry the token to another host).
        followRedirect: false,
        responseType: 'text',
        retry: {
          limit: retries,
          calculateDelay: ({ attemptCount, error, retryAfter }: RetryObject): number => {
            const status = error.response?.statusCode;
            if (attemptCount > retries || !isRetryable(status, error.code)) return 0;
            const honoured = status === 429 || status === 503 ? retryAfter : undefined;
            const delayMs = retryDelayMs(attemptCount, honoured);
            attempts = attemptCount + 1;
            logger?.warn('registry request failed; retrying', {
              url: shown, reason: status === undefined ? error.code : `HTTP ${status}`, attempt: attemptCount,
              delayMs, ...(honoured === undefined ? {} : { retryAfterMs: honoured }),
            });
            return delayMs;
          },
        },
      })) as Response<string>;
      logger?.debug('registry GET', { url: shown, status: response.statusCode, ms: Date.now() - started });
      // got hands back a 3xx when redirects are not followed; it is a failure here.
      if (response.statusCode >= 300) throw this.fromResponse(response, shown, attempts);
      return this.parse<T>(response.body, shown, attempts, response.statusCode);
    } catch (error) {
      if (error instanceof RegistryHttpError) throw error;
      throw this.toHttpError(error as RequestError, shown, attempts);
    }
  }

  /** Releases the keep-alive sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private parse<T>(body: string, url: string, attempts: number, status: number): T {
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new RegistryHttpError(
        `the response is not JSON (${describeBody(body)}); is this the Model Registry REST API?`, { url, attempts, status },
      );
    }
  }

  private toHttpError(error: RequestError, url: string, attempts: number): RegistryHttpError {
    const response = error.response as Response<unknown> | undefined;
    if (response === undefined) {
      // got's message names the code and address (e.g. "connect ECONNREFUSED 127.0.0.1:1"); no headers in it.
      return new RegistryHttpError(this.scrub(error.message), { url, attempts, errorCode: error.code });
    }
    return this.fromResponse(response, url, attempts);
  }

  private fromResponse(response: Response<unknown>, url: string, attempts: number): RegistryHttpError {
    const body = typeof response.body === 'string' ? response.body : '';
    const serverMessage = extractMessage(body);
    const location = typeof response.headers.location === 'string' ? originAndPath(response.headers.location, url) : undefined;
    const scrubbed = serverMessage === undefined ? undefined : this.scrub(serverMessage);
    const detail = scrubbed === undefined ? describeBody(body) : `server says: ${scrubbed}`;
    return new RegistryHttpError(`HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim() + ` (${detail})`, {
      url, attempts, status: response.statusCode,
      ...(scrubbed === undefined ? {} : { serverMessage: scrubbed }),
      ...(location === undefined ? {} : { location }),
    });
  }

  /** Removes the token from text a server or library produced, in case it was echoed back. */
  private scrub(text: string): string {
    const token = this.o.token;
    return token === undefined || token.length < 4 ? text : text.split(token).join('REDACTED');
  }
}

function extractMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed?.message === 'string' && parsed.message.trim() !== '') return parsed.message.trim().slice(0, 500);
  } catch {
    // not JSON: handled by the caller
  }
  return undefined;
}

function describeBody(body: string): string {
  if (body.trim() === '') return 'empty body';
  const looksHtml = /^\s*</.test(body);
  return `${looksHtml ? 'an HTML/XML' : 'a non-JSON'} body of ${Buffer.byteLength(body)} bytes`;
}

function originAndPath(location: string, base: string): string | undefined {
  try {
    const url = new URL(location, base);
    return `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}
