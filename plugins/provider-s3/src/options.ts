/**
 * Environment → `S3Options`, with KServe's variable names so the Secrets and annotations KServe already
 * injects work unchanged. Precedence, lowest first: `ctx.settings` (config file), the environment, then
 * `STORAGE_CONFIG` merged with `STORAGE_OVERRIDE_CONFIG` when its `type` is `s3` (KServe writes those keys
 * over the environment, so they win here too). Pure: no file or network access.
 */
import type { ProviderError } from '@mr-init/core';

export const DEBUG_NAMESPACE = 'mr-init:s3';

export interface S3Options {
  /** Custom S3 endpoint (MinIO, Ceph, …); passed to the S3 client only, never to STS (kserve#3482).
   *  `AWS_ENDPOINT_URL`, else `S3_ENDPOINT` with `S3_USE_HTTPS` (`0` → http); STORAGE_CONFIG `endpoint_url`. */
  endpoint?: string;
  /** Region for signing and the AWS endpoint. STORAGE_CONFIG `region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
   *  @default 'us-east-1' (then region redirects are followed, as boto3 does) */
  region: string;
  /** True when no region was configured and `region` is the default. */
  regionDefaulted: boolean;
  /** Static access key id. `AWS_ACCESS_KEY_ID`; STORAGE_CONFIG `access_key_id`. Empty means unset
   *  (KServe's IRSA samples mount empty keys); without both keys the SDK's default chain is used. */
  accessKeyId?: string;
  /** Static secret key. `AWS_SECRET_ACCESS_KEY`; STORAGE_CONFIG `secret_access_key`. */
  secretAccessKey?: string;
  /** Session token for temporary keys. `AWS_SESSION_TOKEN`. */
  sessionToken?: string;
  /** Unsigned requests (public buckets). `awsAnonymousCredential` = `true`; STORAGE_CONFIG `anonymous`. @default false */
  anonymous: boolean;
  /** Verify the server's TLS certificate. `S3_VERIFY_SSL` (`0`/`false` turn it off); STORAGE_CONFIG `verify_ssl`. @default true */
  verifySsl: boolean;
  /** PEM file of extra trusted CAs. `AWS_CA_BUNDLE` (STORAGE_CONFIG `ca_bundle`), else
   *  `$CA_BUNDLE_VOLUME_MOUNT_POINT/cabundle.crt` (default mount `/etc/ssl/custom-certs`) when `CA_BUNDLE_CONFIGMAP_NAME`
   *  is set. Added to Node's trusted roots; a missing file is an error. Ignored when `verifySsl` is false. */
  caBundle?: string;
  /** Virtual-hosted addressing with a custom endpoint. `S3_USER_VIRTUAL_BUCKET` = `true`. @default false (path-style) */
  virtualHostedStyle: boolean;
  /** S3 Transfer Acceleration endpoint. `S3_USE_ACCELERATE` = `true`. @default false */
  accelerate: boolean;
  /** TCP connect timeout in ms. `S3_CONNECT_TIMEOUT` (seconds). @default 15000 */
  connectTimeoutMs: number;
  /** Socket inactivity timeout in ms, also while a body streams. `S3_READ_TIMEOUT` (seconds). @default 30000 */
  readTimeoutMs: number;
  /** SDK attempts for listing calls only, so a throttled page is retried in place instead of restarting the
   *  listing. Reads always make one SDK attempt: the engine retries and resumes them. `S3_MAX_ATTEMPTS`. @default 3 */
  maxAttempts: number;
  /** Files fetched at once, for the engine to apply; undefined leaves the engine's default. `S3_MAX_FILE_CONCURRENCY`. */
  maxFileConcurrency?: number;
}

/** STORAGE_CONFIG keys of `type: s3` and the variables KServe maps them to (storage.py `_update_with_storage_spec`). */
export const STORAGE_CONFIG_KEYS: Readonly<Record<string, string>> = {
  endpoint_url: 'AWS_ENDPOINT_URL',
  access_key_id: 'AWS_ACCESS_KEY_ID',
  secret_access_key: 'AWS_SECRET_ACCESS_KEY',
  region: 'AWS_DEFAULT_REGION',
  ca_bundle: 'AWS_CA_BUNDLE',
  verify_ssl: 'S3_VERIFY_SSL',
  anonymous: 'awsAnonymousCredential',
};

/** Every variable this provider reads. */
export const S3_VARIABLES = [
  'AWS_ENDPOINT_URL', 'S3_ENDPOINT', 'S3_USE_HTTPS', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'awsAnonymousCredential', 'S3_VERIFY_SSL', 'AWS_CA_BUNDLE',
  'CA_BUNDLE_CONFIGMAP_NAME', 'CA_BUNDLE_VOLUME_MOUNT_POINT', 'S3_USER_VIRTUAL_BUCKET', 'S3_USE_ACCELERATE',
  'S3_CONNECT_TIMEOUT', 'S3_READ_TIMEOUT', 'S3_MAX_ATTEMPTS', 'S3_MAX_FILE_CONCURRENCY',
] as const;

/** Where KServe's webhook mounts the global CA bundle ConfigMap when it does not say. */
const DEFAULT_CA_BUNDLE_MOUNT_POINT = '/etc/ssl/custom-certs';

type Vars = Partial<Record<(typeof S3_VARIABLES)[number], string>>;

/** Builds the options from the environment and settings; throws kind `InvalidConfig` on a malformed value. */
export function parseS3Options(
  env: Readonly<Record<string, string | undefined>>,
  settings: Readonly<Record<string, unknown>> = {},
): S3Options {
  const vars: Vars = {};
  assign(vars, settings, 'settings');
  assign(vars, env, 'environment');
  const storageConfig = readStorageConfig(env);
  if (storageConfig) assign(vars, storageConfig, 'STORAGE_CONFIG');

  const endpoint = vars.AWS_ENDPOINT_URL ?? legacyEndpoint(vars.S3_ENDPOINT, vars.S3_USE_HTTPS);
  const configuredRegion = (storageConfig && text(storageConfig.region)) ?? vars.AWS_REGION ?? vars.AWS_DEFAULT_REGION;
  const verifySsl = !['0', 'false'].includes((vars.S3_VERIFY_SSL ?? '').toLowerCase());
  const mount = vars.CA_BUNDLE_VOLUME_MOUNT_POINT ?? DEFAULT_CA_BUNDLE_MOUNT_POINT;
  const caBundle = vars.AWS_CA_BUNDLE ??
    (vars.CA_BUNDLE_CONFIGMAP_NAME ? `${mount.replace(/\/+$/, '')}/cabundle.crt` : undefined);

  return {
    endpoint: endpoint === undefined ? undefined : withScheme(endpoint, vars.S3_USE_HTTPS),
    region: configuredRegion ?? 'us-east-1',
    regionDefaulted: configuredRegion === undefined,
    accessKeyId: vars.AWS_ACCESS_KEY_ID,
    secretAccessKey: vars.AWS_SECRET_ACCESS_KEY,
    sessionToken: vars.AWS_SESSION_TOKEN,
    anonymous: isTrue(vars.awsAnonymousCredential),
    verifySsl,
    caBundle: verifySsl ? caBundle : undefined,
    virtualHostedStyle: isTrue(vars.S3_USER_VIRTUAL_BUCKET),
    accelerate: isTrue(vars.S3_USE_ACCELERATE),
    connectTimeoutMs: seconds(vars, 'S3_CONNECT_TIMEOUT', 15),
    readTimeoutMs: seconds(vars, 'S3_READ_TIMEOUT', 30),
    maxAttempts: integer(vars, 'S3_MAX_ATTEMPTS') ?? 3,
    maxFileConcurrency: integer(vars, 'S3_MAX_FILE_CONCURRENCY'),
  };
}

/** The options with every credential replaced by REDACTED, for debug logs. */
export function redactS3Options(options: S3Options): Record<string, unknown> {
  return {
    ...options,
    accessKeyId: options.accessKeyId ? 'REDACTED' : undefined,
    secretAccessKey: options.secretAccessKey ? 'REDACTED' : undefined,
    sessionToken: options.sessionToken ? 'REDACTED' : undefined,
  };
}

/** The merged STORAGE_CONFIG + STORAGE_OVERRIDE_CONFIG object when it is of type s3, mapped to variable names. */
function readStorageConfig(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | undefined {
  const merged = { ...parseJson(env, 'STORAGE_CONFIG'), ...parseJson(env, 'STORAGE_OVERRIDE_CONFIG') };
  if (merged.type !== 's3') return undefined;
  const mapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    const name = STORAGE_CONFIG_KEYS[key] ?? key;
    mapped[name] = value;
    if (key === 'region') mapped.region = value;
  }
  return mapped;
}

function parseJson(env: Readonly<Record<string, string | undefined>>, name: string): Record<string, unknown> {
  const raw = env[name];
  if (!raw || !raw.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // The value may hold secrets: name the variable, never echo it.
    throw invalidConfig(`${name} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidConfig(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Copies known variables (by variable name or STORAGE_CONFIG key) from `source` over `vars`; empty values do not count. */
function assign(vars: Vars, source: Readonly<Record<string, unknown>>, origin: string): void {
  for (const [key, raw] of Object.entries(source)) {
    const name = (S3_VARIABLES as readonly string[]).includes(key) ? key
      : origin === 'settings' ? STORAGE_CONFIG_KEYS[key] : undefined;
    const value = text(raw);
    if (name && value !== undefined) vars[name as keyof Vars] = value;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function legacyEndpoint(host: string | undefined, useHttps: string | undefined): string | undefined {
  if (!host) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `${useHttps === '0' ? 'http' : 'https'}://${host}`;
}

function withScheme(endpoint: string, useHttps: string | undefined): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${useHttps === '0' ? 'http' : 'https'}://${endpoint}`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidConfig(`AWS_ENDPOINT_URL / S3_ENDPOINT "${endpoint}" is not an http(s) URL`);
  }
  return url.replace(/\/+$/, '');
}

function isTrue(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true';
}

function seconds(vars: Vars, name: 'S3_CONNECT_TIMEOUT' | 'S3_READ_TIMEOUT', fallback: number): number {
  const raw = vars[name];
  if (raw === undefined) return fallback * 1000;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw invalidConfig(`${name}="${raw}" must be a positive number of seconds`);
  return Math.round(value * 1000);
}

function integer(vars: Vars, name: 'S3_MAX_ATTEMPTS' | 'S3_MAX_FILE_CONCURRENCY'): number | undefined {
  const raw = vars[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw invalidConfig(`${name}="${raw}" must be a whole number ≥ 1`);
  return value;
}

function invalidConfig(message: string): ProviderError {
  return Object.assign(new Error(`s3: ${message}`), {
    kind: 'InvalidConfig' as const,
    retryable: false,
    hint: 'See docs/configuration.md for the S3 variables and their allowed values.',
  });
}
