/**
 * Registry connection settings: environment > config file > defaults, validated once, plus the rule that
 * turns a parsed URI and these settings into the base URL actually called (design §5).
 */
import { ErrConfig } from '../errors.js';
import type { ModelRegistryRef } from '../uri/model-registry-uri.js';

/** REST API path under the registry's base URL. */
export const REGISTRY_API_PATH = '/api/model_registry/v1alpha3';

/** How to reach and authenticate to the Model Registry. */
export interface RegistryOptions {
  /**
   * Registry address: `host[:port]`, or a full URL with scheme and path prefix (e.g. behind a gateway).
   * @default 'localhost:8080' — env MODEL_REGISTRY_BASE_URL
   */
  baseUrl: string;
  /**
   * Scheme for `host[:port]` addresses (the base URL's own scheme wins when it has one).
   * @default 'http' — env MODEL_REGISTRY_SCHEME
   */
  scheme: 'http' | 'https';
  /**
   * Service name used with `?namespace=`: `<serviceName>.<ns>.<clusterDomain>`.
   * @default 'model-registry-service' — env MODEL_REGISTRY_SERVICE_NAME
   */
  serviceName: string;
  /**
   * Cluster DNS domain used with `?namespace=`.
   * @default 'svc.cluster.local' — env MODEL_REGISTRY_CLUSTER_DOMAIN
   */
  clusterDomain: string;
  /**
   * Bearer token sent as `Authorization: Bearer`; wins over `tokenFile`. Never logged.
   * @default unset — env MODEL_REGISTRY_TOKEN
   */
  token?: string;
  /**
   * File holding the bearer token (a projected service-account token), re-read on every resolution.
   * @default unset — env MODEL_REGISTRY_TOKEN_FILE
   */
  tokenFile?: string;
  /**
   * PEM file of CA certificates to trust for an https registry (added to the system ones).
   * @default unset — env MODEL_REGISTRY_CA_FILE
   */
  caFile?: string;
  /**
   * Verify the registry's TLS certificate; `false` only for test clusters.
   * @default true — env MODEL_REGISTRY_TLS_VERIFY (true/false/1/0)
   */
  tlsVerify: boolean;
  /**
   * Time limit of one request attempt, in milliseconds.
   * @default 10000 — env MODEL_REGISTRY_TIMEOUT (in seconds)
   */
  timeoutMs: number;
  /**
   * Retries after a connection error, timeout, 429 or 5xx (never after another 4xx).
   * @default 3 — env MODEL_REGISTRY_RETRIES
   */
  retries: number;
}

export const REGISTRY_ENV = {
  baseUrl: 'MODEL_REGISTRY_BASE_URL',
  scheme: 'MODEL_REGISTRY_SCHEME',
  serviceName: 'MODEL_REGISTRY_SERVICE_NAME',
  clusterDomain: 'MODEL_REGISTRY_CLUSTER_DOMAIN',
  token: 'MODEL_REGISTRY_TOKEN',
  tokenFile: 'MODEL_REGISTRY_TOKEN_FILE',
  caFile: 'MODEL_REGISTRY_CA_FILE',
  tlsVerify: 'MODEL_REGISTRY_TLS_VERIFY',
  timeoutMs: 'MODEL_REGISTRY_TIMEOUT',
  retries: 'MODEL_REGISTRY_RETRIES',
} as const satisfies Record<keyof RegistryOptions, string>;

export const REGISTRY_DEFAULTS = {
  baseUrl: 'localhost:8080',
  scheme: 'http',
  serviceName: 'model-registry-service',
  clusterDomain: 'svc.cluster.local',
  tlsVerify: true,
  timeoutMs: 10_000,
  retries: 3,
} as const satisfies Partial<RegistryOptions>;

const DNS_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const DNS_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** Characters allowed in an HTTP header value, minus spaces: anything else is a broken token. */
const TOKEN_RE = /^[\x21-\x7e]+$/;

type Key = keyof RegistryOptions;
interface Raw { value: unknown; fromEnv: boolean }

/**
 * Builds validated registry options. Empty environment variables count as unset.
 * @throws ErrConfig naming the variable (or config key) and where it came from; secrets are never echoed.
 */
export function registryOptionsFromEnv(
  env: Record<string, string | undefined>,
  fromFile: Partial<RegistryOptions> = {},
): RegistryOptions {
  const pick = (key: Key): Raw | undefined => {
    const fromEnvValue = env[REGISTRY_ENV[key]];
    if (fromEnvValue !== undefined && fromEnvValue !== '') return { value: fromEnvValue, fromEnv: true };
    const fileValue = fromFile[key];
    return fileValue === undefined ? undefined : { value: fileValue, fromEnv: false };
  };
  const bad = (key: Key, raw: Raw, rule: string, secret = false): ErrConfig => {
    const where = raw.fromEnv ? `${REGISTRY_ENV[key]} (environment)` : `registry option "${key}" (config file)`;
    const shown = secret ? '(value not shown)' : `got ${JSON.stringify(String(raw.value))}`;
    return new ErrConfig(`${where} ${rule}; ${shown}`);
  };
  const str = (key: Key, check: (s: string) => boolean, rule: string, secret = false): string | undefined => {
    const raw = pick(key);
    if (raw === undefined) return undefined;
    if (typeof raw.value !== 'string' || !check(raw.value.trim())) throw bad(key, raw, rule, secret);
    return raw.value.trim();
  };

  const schemeText = str('scheme', (s) => /^https?$/i.test(s), 'must be "http" or "https"');
  const scheme = (schemeText?.toLowerCase() ?? REGISTRY_DEFAULTS.scheme) as 'http' | 'https';
  const baseUrlRaw = pick('baseUrl');
  let baseUrl: string = REGISTRY_DEFAULTS.baseUrl;
  if (baseUrlRaw !== undefined) {
    const text = typeof baseUrlRaw.value === 'string' ? baseUrlRaw.value.trim() : '';
    const problem = text === '' ? 'is empty' : baseUrlProblem(text);
    // A base URL with credentials in it holds a secret: then name the problem, not the value.
    if (problem) {
      throw bad('baseUrl', baseUrlRaw, `is not a valid host[:port] or http(s) URL: it ${problem}`, text.includes('@'));
    }
    baseUrl = text;
  }

  const opts: RegistryOptions = {
    baseUrl,
    scheme,
    serviceName: str('serviceName', (s) => DNS_LABEL_RE.test(s), 'must be a DNS label (letters, digits, "-")')
      ?? REGISTRY_DEFAULTS.serviceName,
    clusterDomain: str('clusterDomain', (s) => DNS_NAME_RE.test(s), 'must be a DNS domain such as svc.cluster.local')
      ?? REGISTRY_DEFAULTS.clusterDomain,
    tlsVerify: parseBool(pick('tlsVerify'), (raw) => bad('tlsVerify', raw, 'must be true, false, 1 or 0'))
      ?? REGISTRY_DEFAULTS.tlsVerify,
    timeoutMs: parseTimeout(pick('timeoutMs'), bad) ?? REGISTRY_DEFAULTS.timeoutMs,
    retries: parseRetries(pick('retries'), bad) ?? REGISTRY_DEFAULTS.retries,
  };
  const token = str('token', (s) => TOKEN_RE.test(s), 'must be a non-empty token without spaces or control characters', true);
  if (token !== undefined) opts.token = token;
  const tokenFile = str('tokenFile', (s) => s !== '', 'must be a file path');
  if (tokenFile !== undefined) opts.tokenFile = tokenFile;
  const caFile = str('caFile', (s) => s !== '', 'must be a file path');
  if (caFile !== undefined) opts.caFile = caFile;
  return opts;
}

function parseBool(raw: Raw | undefined, bad: (raw: Raw) => ErrConfig): boolean | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw.value === 'boolean') return raw.value;
  const text = String(raw.value).trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw bad(raw);
}

type Bad = (key: Key, raw: Raw, rule: string) => ErrConfig;

function parseTimeout(raw: Raw | undefined, bad: Bad): number | undefined {
  if (raw === undefined) return undefined;
  // The variable is in seconds (like KServe's S3_*_TIMEOUT); the config key is already in milliseconds.
  const n = raw.fromEnv ? Number(String(raw.value).trim()) * 1000 : raw.value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw bad('timeoutMs', raw, raw.fromEnv ? 'must be a positive number of seconds' : 'must be a positive number of milliseconds');
  }
  return Math.max(1, Math.round(n));
}

function parseRetries(raw: Raw | undefined, bad: Bad): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.fromEnv ? (/^\s*\d+\s*$/.test(String(raw.value)) ? Number(raw.value) : NaN) : raw.value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 20) {
    throw bad('retries', raw, 'must be a whole number from 0 to 20');
  }
  return n;
}

/** What is wrong with a base URL, or undefined when it is fine. */
function baseUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = toUrl(text, 'http');
  } catch {
    return 'cannot be parsed';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `has scheme "${url.protocol}" (use http or https)`;
  if (url.username || url.password) return 'contains credentials (use MODEL_REGISTRY_TOKEN instead)';
  if (url.search || url.hash) return 'has a query or fragment';
  if (url.hostname === '') return 'has no host';
  return undefined;
}

function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function toUrl(text: string, scheme: string): URL {
  return new URL(hasScheme(text) ? text : `${scheme}://${text}`);
}

/** The port written explicitly in a base URL (`host:80` keeps 80, which `URL` would normalise away). */
function explicitPort(text: string): number | undefined {
  const authority = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!;
  const m = /:(\d{1,5})$/.exec(authority);
  return m ? Number(m[1]) : undefined;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The base URL `resolveModel` calls, ending in `/api/model_registry/v1alpha3`: the URI's host if it has one
 * (with `opts.scheme`), else with `?namespace=` `<serviceName>.<ns>.<clusterDomain>:<port of baseUrl or 8080>`,
 * else `baseUrl` (a `host[:port]`, or a full URL whose path prefix is kept).
 * @throws ErrConfig when `baseUrl` is not usable.
 */
export function registryBaseUrl(ref: ModelRegistryRef, opts: RegistryOptions): string {
  if (ref.host !== undefined) {
    return `${opts.scheme}://${formatHost(ref.host)}${ref.port === undefined ? '' : `:${ref.port}`}${REGISTRY_API_PATH}`;
  }
  const problem = baseUrlProblem(opts.baseUrl);
  if (problem) throw new ErrConfig(`${REGISTRY_ENV.baseUrl} is not a valid host[:port] or http(s) URL: it ${problem}`);
  if (ref.namespace !== undefined) {
    const port = explicitPort(opts.baseUrl) ?? 8080;
    return `${opts.scheme}://${opts.serviceName}.${ref.namespace}.${opts.clusterDomain}:${port}${REGISTRY_API_PATH}`;
  }
  const url = toUrl(opts.baseUrl, opts.scheme);
  const prefix = url.pathname.replace(/\/+$/, '');
  const path = prefix.endsWith(REGISTRY_API_PATH) ? prefix : `${prefix}${REGISTRY_API_PATH}`;
  return `${url.origin}${path}`;
}
