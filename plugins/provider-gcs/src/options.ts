/**
 * Environment and STORAGE_CONFIG → GcsOptions. Variable names follow KServe (GOOGLE_APPLICATION_CREDENTIALS,
 * STORAGE_EMULATOR_HOST); the GCS_* ones are mr-init's own.
 */
import type { ProviderError } from '@mr-init/core';

/** The SDK's public endpoint; anything else is a custom endpoint (emulator, private service connect, proxy). */
export const DEFAULT_API_ENDPOINT = 'https://storage.googleapis.com';

/** Everything the GCS provider can be configured with. */
export interface GcsOptions {
  /**
   * Path of a credentials JSON (a service-account key, as KServe mounts it; other google-auth types work too).
   * When absent (and `useAdc` is off) requests are anonymous and no metadata server is ever contacted.
   * @default undefined (anonymous)
   * env GOOGLE_APPLICATION_CREDENTIALS
   */
  credentialsFile?: string;
  /**
   * Use Google's Application Default Credentials chain (gcloud file, then the GCE/GKE metadata server, as for
   * GKE Workload Identity) when GOOGLE_APPLICATION_CREDENTIALS is absent. Off by default because probing the
   * metadata server off GCP costs seconds to minutes (kserve#1348).
   * @default false
   * env GCS_USE_ADC
   */
  useAdc: boolean;
  /**
   * API endpoint, scheme://host[:port] without /storage/v1. STORAGE_EMULATOR_HOST is accepted with or without
   * the /storage/v1 suffix the SDK expects; GCS_ENDPOINT wins over it.
   * @default 'https://storage.googleapis.com'
   * env GCS_ENDPOINT, STORAGE_EMULATOR_HOST (STORAGE_CONFIG key `endpoint_url` too)
   */
  endpoint: string;
  /**
   * Milliseconds to wait for a response's headers (connect included). A body in flight is bounded by the
   * engine's stall deadline instead, so long downloads are never cut.
   * @default 60000
   * env GCS_REQUEST_TIMEOUT (seconds)
   */
  requestTimeoutMs: number;
  /**
   * Objects per listing page (GCS caps it at 1000).
   * @default 1000
   * env GCS_LIST_PAGE_SIZE
   */
  listPageSize: number;
}

/** STORAGE_CONFIG `type` values whose keys apply to this provider (KServe has none for GCS yet). */
const OWN_TYPES = new Set(['gs', 'gcs']);

type Source = Readonly<Record<string, unknown>>;

/** Builds the options from the environment, with STORAGE_CONFIG keys laid over it as KServe does with env. */
export function resolveGcsOptions(
  env: Readonly<Record<string, string | undefined>>,
  settings: Source = {},
): GcsOptions {
  const own = settings.type === undefined || OWN_TYPES.has(String(settings.type).toLowerCase()) ? settings : {};
  const get = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = own[key];
      if (value !== undefined && value !== null && String(value).trim() !== '') return String(value).trim();
    }
    for (const key of keys) {
      const value = env[key];
      if (value !== undefined && value.trim() !== '') return value.trim();
    }
    return undefined;
  };

  const endpoint = get('GCS_ENDPOINT', 'endpoint_url') ?? get('STORAGE_EMULATOR_HOST');
  return {
    credentialsFile: get('GOOGLE_APPLICATION_CREDENTIALS'),
    useAdc: parseBoolean('GCS_USE_ADC', get('GCS_USE_ADC'), false),
    endpoint: endpoint === undefined ? DEFAULT_API_ENDPOINT : normaliseEndpoint(endpoint),
    requestTimeoutMs: parsePositive('GCS_REQUEST_TIMEOUT', get('GCS_REQUEST_TIMEOUT'), 60) * 1000,
    listPageSize: Math.min(1000, Math.floor(parsePositive('GCS_LIST_PAGE_SIZE', get('GCS_LIST_PAGE_SIZE'), 1000))),
  };
}

/** Strips trailing slashes and the /storage/v1 suffix, and adds http:// to a bare host:port (an emulator). */
export function normaliseEndpoint(value: string): string {
  let endpoint = value.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) endpoint = `http://${endpoint}`;
  try {
    new URL(endpoint);
  } catch {
    throw invalidConfig(`gcs: endpoint "${value}" is not a URL`, 'Set GCS_ENDPOINT or STORAGE_EMULATOR_HOST to http(s)://host[:port].');
  }
  return endpoint;
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw invalidConfig(`gcs: ${name}="${value}" is not a boolean`, `Set ${name} to true or false.`);
}

function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw invalidConfig(`gcs: ${name}="${value}" is not a positive number`, `Set ${name} to a number above 0.`);
  }
  return number;
}

/** A configuration error the core reports as ErrConfig. */
export function invalidConfig(message: string, hint: string, cause?: unknown): ProviderError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as ProviderError;
  error.kind = 'InvalidConfig';
  error.retryable = false;
  error.hint = hint;
  return error;
}
