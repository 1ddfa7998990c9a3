/**
 * How requests are authorised. The SDK's default (google-auth-library's Application Default Credentials)
 * probes the GCE metadata server when no key is configured, which off GCP costs seconds to minutes
 * (kserve#1348). So unless ADC is asked for, the SDK is handed an explicit client: an anonymous one, or a
 * service-account one. google-auth-library only calls `getRequestHeaders()` on a client it is given.
 */
import { sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProviderError } from '@mr-init/core';
import { invalidConfig } from './options.js';

/** Which identity the requests carry; error hints depend on it. */
export type AuthMode = 'anonymous' | 'service-account' | 'credentials-file' | 'adc';

/** The part of google-auth-library's AuthClient the SDK uses on a client handed to it. */
export interface RequestAuthorizer {
  getRequestHeaders(url?: string): Promise<Record<string, string>>;
}

/** What the SDK is given: a client, a key file for google-auth-library, or nothing (ADC). */
export interface ResolvedAuth {
  mode: AuthMode;
  authClient?: RequestAuthorizer;
  keyFilename?: string;
}

/** Token endpoints google-auth-library already uses; any other `token_uri` is honoured by our own client. */
const GOOGLE_TOKEN_URIS = new Set([
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
  'https://accounts.google.com/o/oauth2/token',
]);

/** Read access is all a download needs; a key can mint any scope, so ask for the least. */
const READ_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

/** Sends no credentials: public buckets and emulators. */
export const anonymousAuthorizer: RequestAuthorizer = {
  async getRequestHeaders() {
    return {};
  },
};

interface ServiceAccountKey {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

/** Chooses the authorisation for a credentials file (or its absence). Never reads the metadata server unless `useAdc`. */
export async function resolveAuth(credentialsFile: string | undefined, useAdc: boolean, timeoutMs: number): Promise<ResolvedAuth> {
  if (credentialsFile === undefined) {
    return useAdc ? { mode: 'adc' } : { mode: 'anonymous', authClient: anonymousAuthorizer };
  }
  const json = await readCredentials(credentialsFile);
  if (json.type === 'service_account' && typeof json.token_uri === 'string' && !GOOGLE_TOKEN_URIS.has(json.token_uri)) {
    // google-auth-library always posts to Google's own token URL; google-auth (Python, KServe) honours
    // token_uri, which private endpoints (Private Service Connect, test servers) rely on.
    if (typeof json.client_email !== 'string' || typeof json.private_key !== 'string') {
      throw invalidConfig(`gcs: ${credentialsFile} lacks client_email or private_key`, credentialsHint);
    }
    return { mode: 'service-account', authClient: new ServiceAccountAuthorizer(json as unknown as ServiceAccountKey, timeoutMs) };
  }
  return { mode: 'credentials-file', keyFilename: credentialsFile };
}

const credentialsHint = 'Point GOOGLE_APPLICATION_CREDENTIALS at a service-account key JSON (KServe mounts it from the GCS secret).';

async function readCredentials(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalidConfig(`gcs: cannot read GOOGLE_APPLICATION_CREDENTIALS file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, credentialsHint, error);
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // fall through: the message must not quote the file, it holds a private key
  }
  throw invalidConfig(`gcs: GOOGLE_APPLICATION_CREDENTIALS file ${path} is not a JSON object`, credentialsHint);
}

/** OAuth2 JWT-bearer grant (RFC 7523) for a service-account key, token cached until 5 minutes before expiry. */
export class ServiceAccountAuthorizer implements RequestAuthorizer {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly key: ServiceAccountKey, private readonly timeoutMs: number) {}

  async getRequestHeaders(): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.accessToken()}` };
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - 300_000 > Date.now()) return this.token.value;
    this.pending ??= this.fetchToken().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = encode({ alg: 'RS256', typ: 'JWT', ...(this.key.private_key_id ? { kid: this.key.private_key_id } : {}) });
    const claims = encode({ iss: this.key.client_email, scope: READ_SCOPE, aud: this.key.token_uri, iat: now, exp: now + 3600 });
    let signature: string;
    try {
      signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), this.key.private_key).toString('base64url');
    } catch (error) {
      throw invalidConfig('gcs: the private_key in GOOGLE_APPLICATION_CREDENTIALS cannot sign', credentialsHint, error);
    }
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${header}.${claims}.${signature}` });
    const { status, body } = await postForm(this.key.token_uri, form.toString(), this.timeoutMs);
    const reply = parseJson(body);
    if (status !== 200 || typeof reply.access_token !== 'string') {
      const reason = [reply.error, reply.error_description].filter((x) => typeof x === 'string').join(': ') || `HTTP ${status}`;
      throw tokenError(`gcs: token request to ${this.key.token_uri} for ${this.key.client_email} failed: ${reason}`, status);
    }
    const lifetime = typeof reply.expires_in === 'number' ? reply.expires_in : 3600;
    this.token = { value: reply.access_token, expiresAt: Date.now() + lifetime * 1000 };
    return reply.access_token;
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function tokenError(message: string, status: number | undefined, cause?: unknown): ProviderError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as ProviderError;
  const transient = status === undefined || status === 429 || status >= 500;
  error.kind = transient ? 'Unavailable' : 'PermissionDenied';
  error.retryable = transient;
  if (status !== undefined) error.status = status;
  if (!transient) error.hint = 'The service-account key was refused: check that it is current and not disabled.';
  return error;
}

/** One POST without keep-alive: a token is fetched about once an hour, an idle pooled socket is not worth it. */
function postForm(url: string, body: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(target, {
      method: 'POST',
      agent: false,
      timeout: timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => reject(tokenError(`gcs: token response from ${url} broke off`, undefined, error)));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => reject(tokenError(`gcs: token request to ${url} failed: ${error.message}`, undefined, error)));
    req.end(body);
  });
}
