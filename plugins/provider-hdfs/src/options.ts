/**
 * HDFS settings, read the way KServe mounts them: one file per key in $HDFS_SECRET_DIR (default
 * /var/secrets/kserve-hdfscreds), overridden key by key by STORAGE_CONFIG (+ STORAGE_OVERRIDE_CONFIG) of
 * type hdfs/webhdfs and by the core's settings. In JSON, keys may be upper- or lower-case and the file-like
 * keys (TLS_CERT, TLS_KEY, TLS_CA, KERBEROS_KEYTAB) are base64 of the file, as in KServe's storage spec.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderContext } from '@mr-init/core';
import { providerError } from './errors.js';

/** Where KServe mounts the HDFS secret when HDFS_SECRET_DIR is unset. */
export const DEFAULT_SECRET_DIR = '/var/secrets/kserve-hdfscreds';

/** Every key read from the secret dir / JSON config. */
export const HDFS_KEYS = [
  'HDFS_NAMENODE', 'USER_PROXY', 'HDFS_ROOTPATH', 'TLS_CERT', 'TLS_KEY', 'TLS_CA', 'TLS_SKIP_VERIFY', 'HEADERS',
  'N_THREADS', 'KERBEROS_KEYTAB', 'KERBEROS_PRINCIPAL', 'HDFS_DELEGATION_TOKEN',
] as const;
type HdfsKey = (typeof HDFS_KEYS)[number];
const FILE_KEYS = new Set<HdfsKey>(['TLS_CERT', 'TLS_KEY', 'TLS_CA', 'KERBEROS_KEYTAB']);
/** Header names that carry credentials, so Kerberos may be skipped when one is given. */
const AUTH_HEADERS = new Set(['authorization', 'cookie', 'x-hadoop-delegation-token']);

/** Connection and identity settings for WebHDFS. */
export interface HdfsOptions {
  /** WebHDFS base URLs (`http(s)://host:port[/gateway-path]`), tried in order for HA. Required. Key `HDFS_NAMENODE` (';'-separated; no scheme means http). */
  namenodes: URL[];
  /** User to act as: `user.name` with simple auth, `doas` with a delegation token. @default unset. Key `USER_PROXY`. */
  userProxy?: string;
  /** Authenticated user under simple auth when USER_PROXY impersonates another (then USER_PROXY goes in `doas`). @default unset. Env `HADOOP_USER_NAME`. */
  userName?: string;
  /** Prefix for URIs whose path is relative (every `hdfs://host/...` URI); relative roots are under the home directory. @default '/'. Key `HDFS_ROOTPATH`. */
  rootPath?: string;
  /** Client certificate (PEM) for mutual TLS. @default unset. Key `TLS_CERT`. */
  tlsCert?: string;
  /** Client key (PEM) for mutual TLS; a secret, never logged. @default unset. Key `TLS_KEY`. */
  tlsKey?: string;
  /** CA (PEM) that signed the NameNode/DataNode certificates. @default system CAs. Key `TLS_CA`. */
  tlsCa?: string;
  /** Skip certificate verification. @default false. Key `TLS_SKIP_VERIFY`. */
  tlsSkipVerify: boolean;
  /** Extra headers on every request (values are secrets, never logged). @default {}. Key `HEADERS` (a JSON object). */
  headers: Record<string, string>;
  /** KServe's per-file download threads; the engine's concurrency settings govern here, so it is only validated. @default 2. Key `N_THREADS`. */
  nThreads: number;
  /** Kerberos principal; refused unless a delegation token or auth header makes SPNEGO unnecessary. @default unset. Key `KERBEROS_PRINCIPAL`. */
  kerberosPrincipal?: string;
  /** Kerberos keytab (present or not; its content is never used). @default unset. Key `KERBEROS_KEYTAB`. */
  kerberosKeytab?: boolean;
  /** Hadoop delegation token, sent as the `delegation` parameter; a secret, never logged. @default unset. Key `HDFS_DELEGATION_TOKEN`. */
  delegationToken?: string;
  /** Socket inactivity timeout per request, in ms. @default 30000. Env `HDFS_TIMEOUT_MS`. */
  timeoutMs: number;
}

type Raw = Partial<Record<HdfsKey, string>>;

function invalid(message: string, hint: string): Error {
  return providerError('InvalidConfig', `hdfs: ${message}`, { hint });
}

async function readSecretDir(dir: string, explicit: boolean): Promise<Raw> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (!explicit) return {};
    throw invalid(`HDFS_SECRET_DIR ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'Point HDFS_SECRET_DIR at the mounted HDFS secret, or unset it.');
  }
  const raw: Raw = {};
  for (const key of HDFS_KEYS) {
    if (!names.includes(key)) continue;
    const text = await readFile(join(dir, key), 'utf8');
    raw[key] = FILE_KEYS.has(key) ? text : text.trim();
  }
  return raw;
}

/** JSON config values: keys in any case; file keys are base64 (KServe) or, leniently, PEM text. */
function fromJson(source: Readonly<Record<string, unknown>>): Raw {
  const raw: Raw = {};
  for (const [name, value] of Object.entries(source)) {
    const key = name.toUpperCase() as HdfsKey;
    if (!HDFS_KEYS.includes(key) || value === undefined || value === null) continue;
    let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (FILE_KEYS.has(key) && !text.includes('-----BEGIN')) text = Buffer.from(text, 'base64').toString('utf8');
    raw[key] = FILE_KEYS.has(key) ? text : text.trim();
  }
  return raw;
}

function storageConfig(env: ProviderContext['env']): Record<string, unknown> {
  const parse = (name: string): Record<string, unknown> => {
    const text = env[name];
    if (!text) return {};
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
    } catch {
      throw invalid(`${name} is not valid JSON`, `Fix ${name}; it must be a JSON object.`);
    }
  };
  const merged = { ...parse('STORAGE_CONFIG'), ...parse('STORAGE_OVERRIDE_CONFIG') };
  const type = String(merged.type ?? '').toLowerCase();
  return type === 'hdfs' || type === 'webhdfs' ? merged : {};
}

function parseNamenodes(value: string | undefined, secretDir: string): URL[] {
  const entries = (value ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) {
    throw invalid(`HDFS_NAMENODE is not set (looked in ${secretDir}, STORAGE_CONFIG and the settings)`,
      'Mount the HDFS secret with HDFS_NAMENODE=http(s)://host:port[;http(s)://host2:port].');
  }
  return entries.map((entry, index) => {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`);
    } catch {
      // The entry is not echoed: a malformed URL may still hold credentials.
      throw invalid(`HDFS_NAMENODE entry ${index + 1} is not a URL`, 'Use http(s)://host:port, ";"-separated for HA.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(`HDFS_NAMENODE entry "${url.host}" uses ${url.protocol}, not http or https`,
        'Give the NameNode\'s WebHDFS HTTP address (port 9870, or 50070 before Hadoop 3), not its RPC address.');
    }
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url;
  });
}

function parseHeaders(value: string | undefined): Record<string, string> {
  if (!value) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // Never echo the value: it usually holds a token.
    throw invalid('HEADERS is not a JSON object', 'Set HEADERS to a JSON object of header names and values, e.g. {"x-my-header": "v"}.');
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** Resolves HdfsOptions from the secret dir, STORAGE_CONFIG and ctx.settings; throws kind InvalidConfig. */
export async function loadHdfsOptions(ctx: Pick<ProviderContext, 'env' | 'settings'>): Promise<HdfsOptions> {
  const secretDir = ctx.env.HDFS_SECRET_DIR || DEFAULT_SECRET_DIR;
  const raw: Raw = {
    ...(await readSecretDir(secretDir, Boolean(ctx.env.HDFS_SECRET_DIR))),
    ...fromJson(storageConfig(ctx.env)),
    ...fromJson(ctx.settings),
  };
  const nThreads = Number(raw.N_THREADS ?? '2');
  if (!Number.isInteger(nThreads) || nThreads < 1) {
    throw invalid(`N_THREADS "${raw.N_THREADS}" is not a positive integer`, 'Set N_THREADS to a whole number such as 2.');
  }
  const timeoutMs = Number(ctx.env.HDFS_TIMEOUT_MS ?? '30000');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalid(`HDFS_TIMEOUT_MS "${ctx.env.HDFS_TIMEOUT_MS}" is not a positive number`, 'Set HDFS_TIMEOUT_MS in milliseconds.');
  }
  const options: HdfsOptions = {
    namenodes: parseNamenodes(raw.HDFS_NAMENODE, secretDir),
    userProxy: raw.USER_PROXY || undefined,
    userName: ctx.env.HADOOP_USER_NAME || undefined,
    rootPath: raw.HDFS_ROOTPATH || undefined,
    tlsCert: raw.TLS_CERT || undefined,
    tlsKey: raw.TLS_KEY || undefined,
    tlsCa: raw.TLS_CA || undefined,
    tlsSkipVerify: ['true', '1', 'yes'].includes((raw.TLS_SKIP_VERIFY ?? 'false').toLowerCase()),
    headers: parseHeaders(raw.HEADERS),
    nThreads,
    kerberosPrincipal: raw.KERBEROS_PRINCIPAL || undefined,
    kerberosKeytab: raw.KERBEROS_KEYTAB ? true : undefined,
    delegationToken: raw.HDFS_DELEGATION_TOKEN || undefined,
    timeoutMs,
  };
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw invalid('TLS_CERT and TLS_KEY must be given together', 'Mount both the client certificate and its key, or neither.');
  }
  checkKerberos(options);
  return options;
}

/** The webhdfs client has no SPNEGO: Kerberos works only through a token obtained elsewhere. */
function checkKerberos(options: HdfsOptions): void {
  if (!options.kerberosPrincipal && !options.kerberosKeytab) return;
  const authHeader = Object.keys(options.headers).some((name) => AUTH_HEADERS.has(name.toLowerCase()));
  if (options.delegationToken || authHeader) return;
  throw invalid(
    'Kerberos is configured (KERBEROS_PRINCIPAL/KERBEROS_KEYTAB) but mr-init cannot authenticate to WebHDFS with ' +
      'Kerberos/SPNEGO (its WebHDFS client has no SPNEGO support)',
    'Give a delegation token instead: HDFS_DELEGATION_TOKEN in the secret (sent as the `delegation` parameter), or ' +
      'HEADERS with X-Hadoop-Delegation-Token (HttpFS) or Authorization (a gateway such as Knox); then the keytab is ignored.',
  );
}

/** The options as they may be logged: secrets replaced by REDACTED, header names kept. */
export function describeOptions(options: HdfsOptions): Record<string, unknown> {
  const secret = (value: unknown): string | undefined => (value ? 'REDACTED' : undefined);
  return {
    namenodes: options.namenodes.map((url) => url.origin + url.pathname.replace(/\/$/, '')),
    userProxy: options.userProxy,
    userName: options.userName,
    rootPath: options.rootPath,
    tlsCert: options.tlsCert ? 'set' : undefined,
    tlsKey: secret(options.tlsKey),
    tlsCa: options.tlsCa ? 'set' : undefined,
    tlsSkipVerify: options.tlsSkipVerify,
    headers: Object.fromEntries(Object.keys(options.headers).map((name) => [name, 'REDACTED'])),
    nThreads: options.nThreads,
    kerberosPrincipal: options.kerberosPrincipal,
    delegationToken: secret(options.delegationToken),
    timeoutMs: options.timeoutMs,
  };
}
