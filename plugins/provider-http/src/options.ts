/**
 * Environment (and STORAGE_CONFIG settings) → `HttpOptions`. Variable names follow KServe's, so the
 * secrets and variables KServe already injects work unchanged. A setting wins over the variable.
 */
import type { ProviderContext } from '@mr-init/core';
import { headersVariable, httpError } from './errors.js';

export { headersVariable };

export interface HttpOptions {
  /** Proxy for http:// URLs. @default none — env `HTTP_PROXY` (or `http_proxy`) */
  httpProxy?: string;
  /** Proxy for https:// URLs. @default none — env `HTTPS_PROXY` (or `https_proxy`) */
  httpsProxy?: string;
  /** Hosts reached directly: a comma list of host suffixes (`.example.com`, `example.com`), `host:port`, IPv4 CIDRs or `*`. @default none — env `NO_PROXY` (or `no_proxy`) */
  noProxy?: string;
  /**
   * Refuse a response whose Content-Type KServe would refuse: `application/octet-stream`, or a zip/tar/gzip
   * type for `.zip`/`.tar`/`.tar.gz`/`.tgz` names. Off by default because many servers send other types
   * for model files (kserve#2938). @default false — env `HTTP_STRICT_CONTENT_TYPE`
   */
  strictContentType: boolean;
  /** Extra CA certificates (PEM) trusted for https, besides the system ones. @default none — `$CA_BUNDLE_VOLUME_MOUNT_POINT/cabundle.crt` when `CA_BUNDLE_CONFIGMAP_NAME` is set (mount point default `/etc/ssl/custom-certs`) */
  caBundleFile?: string;
  /** Time allowed to open a connection. @default 15000 ms — env `HTTP_CONNECT_TIMEOUT` (seconds) */
  connectTimeoutMs: number;
  /** Time allowed for response headers, and for silence on a socket mid-body. @default 30000 ms — env `HTTP_READ_TIMEOUT` (seconds) */
  readTimeoutMs: number;
  /** Connections per host and scheme (parallel ranged parts share them). @default 64 — env `HTTP_MAX_SOCKETS` */
  maxSockets: number;
}

/** KServe's default mount point for the CA bundle ConfigMap. */
export const DEFAULT_CA_BUNDLE_MOUNT_POINT = '/etc/ssl/custom-certs';
export const CA_BUNDLE_FILE_NAME = 'cabundle.crt';

/** A setting by its variable name: STORAGE_CONFIG / config file first, then the environment. */
export function setting(ctx: Pick<ProviderContext, 'env' | 'settings'>, name: string): string | undefined {
  const value = ctx.settings?.[name];
  if (value !== undefined && value !== null) return typeof value === 'string' ? value : JSON.stringify(value);
  const env = ctx.env[name];
  return env === undefined || env === '' ? undefined : env;
}

function flag(ctx: Pick<ProviderContext, 'env' | 'settings'>, name: string): boolean {
  const raw = setting(ctx, name)?.trim().toLowerCase();
  if (raw === undefined) return false;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw httpError('InvalidConfig', `${name} must be true or false, got "${raw}"`);
}

function seconds(ctx: Pick<ProviderContext, 'env' | 'settings'>, name: string, fallbackMs: number): number {
  const raw = setting(ctx, name);
  if (raw === undefined) return fallbackMs;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw httpError('InvalidConfig', `${name} must be a positive number of seconds, got "${raw}"`);
  return Math.round(value * 1000);
}

export function readHttpOptions(ctx: Pick<ProviderContext, 'env' | 'settings'>): HttpOptions {
  const maxSockets = Number(setting(ctx, 'HTTP_MAX_SOCKETS') ?? 64);
  if (!Number.isInteger(maxSockets) || maxSockets < 1) throw httpError('InvalidConfig', 'HTTP_MAX_SOCKETS must be a positive integer');
  const mountPoint = setting(ctx, 'CA_BUNDLE_VOLUME_MOUNT_POINT') ?? DEFAULT_CA_BUNDLE_MOUNT_POINT;
  return {
    httpProxy: setting(ctx, 'http_proxy') ?? setting(ctx, 'HTTP_PROXY'),
    httpsProxy: setting(ctx, 'https_proxy') ?? setting(ctx, 'HTTPS_PROXY'),
    noProxy: setting(ctx, 'no_proxy') ?? setting(ctx, 'NO_PROXY'),
    strictContentType: flag(ctx, 'HTTP_STRICT_CONTENT_TYPE'),
    caBundleFile: setting(ctx, 'CA_BUNDLE_CONFIGMAP_NAME') ? `${mountPoint.replace(/\/+$/, '')}/${CA_BUNDLE_FILE_NAME}` : undefined,
    connectTimeoutMs: seconds(ctx, 'HTTP_CONNECT_TIMEOUT', 15_000),
    readTimeoutMs: seconds(ctx, 'HTTP_READ_TIMEOUT', 30_000),
    maxSockets,
  };
}

/**
 * Extra request headers for `hostname`, from the `<hostname>-headers` JSON object. Values are secrets:
 * errors name the variable and the offending key, never a value.
 */
export function hostHeaders(ctx: Pick<ProviderContext, 'env' | 'settings'>, hostname: string): Record<string, string> {
  const name = headersVariable(hostname);
  const raw = setting(ctx, name);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw httpError('InvalidConfig', `${name} is not valid JSON; it must be a JSON object of header names to values, e.g. {"Authorization": "Bearer …"}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw httpError('InvalidConfig', `${name} must be a JSON object of header names to values, got a JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw httpError('InvalidConfig', `${name}: the value of header "${key}" must be a string`);
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw httpError('InvalidConfig', `${name}: "${key}" is not a valid header name`);
    if (/[\r\n\0]/.test(String(value))) throw httpError('InvalidConfig', `${name}: the value of header "${key}" contains a line break`);
    out[key.toLowerCase()] = String(value);
  }
  return out;
}
