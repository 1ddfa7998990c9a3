/**
 * Environment → AzureOptions. Variable names are KServe's (AZURE_STORAGE_ACCESS_KEY, AZ_CLIENT_ID, …) so the
 * secrets KServe already injects work unchanged. Sources, strongest first: STORAGE_CONFIG /
 * STORAGE_OVERRIDE_CONFIG of type "azure" (KServe lets those overwrite the environment), then the
 * environment, then `ctx.settings` (the config file, which ranks below the environment).
 */
import type { ProviderContext } from '@mr-init/core';
import { providerError } from './errors.js';

/** Everything the Azure provider reads from its configuration. */
export interface AzureOptions {
  /**
   * Blob service URL that replaces the one derived from the URI: Azurite (`http://127.0.0.1:10000/devstoreaccount1`),
   * sovereign clouds, private endpoints, custom domains. With it set, path-style URIs under it are accepted too.
   * @default derived from the URI. Env `AZURE_STORAGE_BLOB_ENDPOINT`; STORAGE_CONFIG `blob_endpoint` or `endpoint_url`.
   */
  blobEndpoint?: string;
  /**
   * Storage account name, for endpoints that do not show it (custom domains).
   * @default from the connection string, the endpoint or the URI. Env `AZURE_STORAGE_ACCOUNT`; STORAGE_CONFIG `account_name`.
   */
  accountName?: string;
  /**
   * A storage connection string (AccountName + AccountKey or SharedAccessSignature, optionally BlobEndpoint/EndpointSuffix).
   * @default none. Env `AZURE_STORAGE_CONNECTION_STRING`; STORAGE_CONFIG `connection_string`.
   */
  connectionString?: string;
  /**
   * Shared account key (base64). AZURE_STORAGE_ACCESS_KEY lands here when it is not a SAS.
   * @default none. Env `AZURE_STORAGE_ACCESS_KEY`; STORAGE_CONFIG `access_key` or `account_key`.
   */
  accountKey?: string;
  /**
   * Shared access signature, without the leading '?'. AZURE_STORAGE_ACCESS_KEY lands here when it holds `sig=`.
   * @default none. Env `AZURE_STORAGE_ACCESS_KEY`; STORAGE_CONFIG `access_key` or `sas_token`.
   */
  sasToken?: string;
  /**
   * Entra ID application (client) id: a service principal with clientSecret, workload identity with
   * federatedTokenFile, else a user-assigned managed identity.
   * @default none. Env `AZ_CLIENT_ID` (legacy, wins as in KServe) or `AZURE_CLIENT_ID`; STORAGE_CONFIG `client_id`.
   */
  clientId?: string;
  /** Entra ID tenant. @default none. Env `AZ_TENANT_ID` or `AZURE_TENANT_ID`; STORAGE_CONFIG `tenant_id`. */
  tenantId?: string;
  /** Service principal secret. @default none. Env `AZ_CLIENT_SECRET` or `AZURE_CLIENT_SECRET`; STORAGE_CONFIG `client_secret`. */
  clientSecret?: string;
  /** Projected service-account token for workload identity. @default none. Env `AZURE_FEDERATED_TOKEN_FILE`. */
  federatedTokenFile?: string;
  /** Entra ID authority for sovereign clouds. @default the SDK's (login.microsoftonline.com). Env `AZURE_AUTHORITY_HOST`. */
  authorityHost?: string;
  /** KServe's files fetched at once; with the chunk count it caps this provider's connections (limits()). @default unset (no cap; 4 when only the other is set). Env `AZURE_MAX_FILE_CONCURRENCY`. */
  maxFileConcurrency?: number;
  /** KServe's chunks of one file fetched at once; see maxFileConcurrency. @default unset. Env `AZURE_MAX_CHUNK_CONCURRENCY`. */
  maxChunkConcurrency?: number;
}

/** The fields of AzureOptions that hold secrets, replaced by REDACTED in debug output. */
const SECRET_FIELDS = ['connectionString', 'accountKey', 'sasToken', 'clientSecret'] as const;

type StringField = Exclude<keyof AzureOptions, 'maxFileConcurrency' | 'maxChunkConcurrency'>;

/**
 * Names each option is read from, in order of preference within one source. Environment names come first;
 * the snake_case names are the STORAGE_CONFIG keys (KServe's style, as its s3 `access_key_id`).
 */
const FIELD_KEYS: Record<StringField | 'accessKey', readonly string[]> = {
  blobEndpoint: ['AZURE_STORAGE_BLOB_ENDPOINT', 'blob_endpoint', 'endpoint_url'],
  accountName: ['AZURE_STORAGE_ACCOUNT', 'account_name'],
  connectionString: ['AZURE_STORAGE_CONNECTION_STRING', 'connection_string'],
  accessKey: ['AZURE_STORAGE_ACCESS_KEY', 'access_key'],
  accountKey: ['account_key'],
  sasToken: ['sas_token'],
  // KServe's storage.py copies AZ_* over AZURE_* when set, so the legacy name wins.
  clientId: ['AZ_CLIENT_ID', 'AZURE_CLIENT_ID', 'client_id'],
  tenantId: ['AZ_TENANT_ID', 'AZURE_TENANT_ID', 'tenant_id'],
  clientSecret: ['AZ_CLIENT_SECRET', 'AZURE_CLIENT_SECRET', 'client_secret'],
  federatedTokenFile: ['AZURE_FEDERATED_TOKEN_FILE', 'federated_token_file'],
  authorityHost: ['AZURE_AUTHORITY_HOST', 'authority_host'],
};

type Source = Readonly<Record<string, unknown>>;

/** Reads AzureOptions from a provider context (env, STORAGE_CONFIG, settings). Throws kind InvalidConfig. */
export function parseAzureOptions(ctx: Pick<ProviderContext, 'env' | 'settings'>): AzureOptions {
  const sources: Source[] = [readStorageConfig(ctx.env), ctx.env, ctx.settings ?? {}];
  const pick = (keys: readonly string[]): string | undefined => {
    for (const source of sources) {
      for (const key of keys) {
        const value = source[key];
        if (typeof value === 'string' && value.trim() !== '') return value.trim();
      }
    }
    return undefined;
  };

  const options: AzureOptions = {};
  const maxFileConcurrency = parseConcurrency(sources, 'AZURE_MAX_FILE_CONCURRENCY', 'max_file_concurrency');
  const maxChunkConcurrency = parseConcurrency(sources, 'AZURE_MAX_CHUNK_CONCURRENCY', 'max_chunk_concurrency');
  if (maxFileConcurrency !== undefined) options.maxFileConcurrency = maxFileConcurrency;
  if (maxChunkConcurrency !== undefined) options.maxChunkConcurrency = maxChunkConcurrency;
  for (const field of Object.keys(FIELD_KEYS) as Array<keyof typeof FIELD_KEYS>) {
    if (field === 'accessKey') continue;
    const value = pick(FIELD_KEYS[field]);
    if (value !== undefined) options[field] = value;
  }
  if (options.sasToken !== undefined) options.sasToken = options.sasToken.replace(/^\?/, '');

  const accessKey = pick(FIELD_KEYS.accessKey);
  if (accessKey !== undefined) {
    const kind = classifyAccessKey(accessKey);
    if (kind === 'sas') options.sasToken ??= accessKey.replace(/^\?/, '');
    else if (kind === 'accountKey') options.accountKey ??= accessKey;
    else {
      throw providerError('InvalidConfig',
        'azure: AZURE_STORAGE_ACCESS_KEY is neither a base64 account key nor a SAS token (no sig= parameter)',
        { hint: 'Set it to the storage account key, or to a SAS such as "sv=…&sp=rl&sig=…".' });
    }
  }
  if (options.blobEndpoint !== undefined) options.blobEndpoint = checkEndpoint(options.blobEndpoint);
  return options;
}

/** Tells an account key from a SAS: a SAS is a query string carrying `sig=`, a key is plain base64. */
export function classifyAccessKey(value: string): 'accountKey' | 'sas' | 'invalid' {
  const text = value.trim();
  if (/(^|[?&])sig=/.test(text)) return 'sas';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 && text.length >= 16) return 'accountKey';
  return 'invalid';
}

/** The parts of a storage connection string this provider uses. */
export interface ConnectionStringParts {
  accountName?: string;
  accountKey?: string;
  sasToken?: string;
  /** The blob service URL it names (BlobEndpoint, or built from protocol + EndpointSuffix, or Azurite's). */
  blobEndpoint?: string;
}

/** Parses `Key=Value;…` (keys case-insensitive, values may contain '='). Throws kind InvalidConfig. */
export function parseConnectionString(text: string): ConnectionStringParts {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (fields.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    // Azurite's key is published, but shipping a hard-coded key in the product is not worth the shortcut.
    throw providerError('InvalidConfig',
      'azure: UseDevelopmentStorage=true is not supported in AZURE_STORAGE_CONNECTION_STRING',
      { hint: 'Give Azurite\'s full connection string (AccountName, AccountKey, BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1).' });
  }
  const parts: ConnectionStringParts = {};
  const accountName = fields.get('accountname');
  if (accountName) parts.accountName = accountName;
  const accountKey = fields.get('accountkey');
  if (accountKey) parts.accountKey = accountKey;
  const sas = fields.get('sharedaccesssignature');
  if (sas) parts.sasToken = sas.replace(/^\?/, '');
  const blobEndpoint = fields.get('blobendpoint');
  const suffix = fields.get('endpointsuffix');
  if (blobEndpoint) parts.blobEndpoint = checkEndpoint(blobEndpoint);
  else if (suffix && accountName) {
    parts.blobEndpoint = `${fields.get('defaultendpointsprotocol') ?? 'https'}://${accountName}.blob.${suffix}`;
  }
  if (!parts.accountKey && !parts.sasToken) {
    throw providerError('InvalidConfig',
      'azure: AZURE_STORAGE_CONNECTION_STRING has neither AccountKey nor SharedAccessSignature',
      { hint: 'Copy the full connection string from the storage account\'s "Access keys" page, or use a SAS connection string.' });
  }
  if (parts.accountKey && !parts.accountName) {
    throw providerError('InvalidConfig', 'azure: AZURE_STORAGE_CONNECTION_STRING has an AccountKey but no AccountName',
      { hint: 'Add AccountName=<account> to the connection string.' });
  }
  return parts;
}

/** A copy of the options safe to log: secrets replaced by REDACTED. */
export function redactOptions(options: AzureOptions): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...options };
  for (const field of SECRET_FIELDS) if (copy[field] !== undefined) copy[field] = 'REDACTED';
  return copy;
}

/** STORAGE_CONFIG merged with STORAGE_OVERRIDE_CONFIG (its keys win), or {} when its type is not azure. */
function readStorageConfig(env: Readonly<Record<string, string | undefined>>): Source {
  const base = parseJsonObject(env.STORAGE_CONFIG, 'STORAGE_CONFIG');
  const override = parseJsonObject(env.STORAGE_OVERRIDE_CONFIG, 'STORAGE_OVERRIDE_CONFIG');
  const merged: Record<string, unknown> = { ...base, ...override };
  return typeof merged.type === 'string' && merged.type.toLowerCase() === 'azure' ? merged : {};
}

function parseJsonObject(text: string | undefined, name: string): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Never echo the text: it holds credentials.
    throw providerError('InvalidConfig', `azure: ${name} is not valid JSON`,
      { hint: `Set ${name} to a JSON object such as {"type": "azure", "connection_string": "…"}.` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw providerError('InvalidConfig', `azure: ${name} is not a JSON object`,
      { hint: `Set ${name} to a JSON object such as {"type": "azure", "connection_string": "…"}.` });
  }
  return value as Record<string, unknown>;
}

function parseConcurrency(sources: Source[], envName: string, configKey: string): number | undefined {
  for (const source of sources) {
    for (const key of [envName, configKey]) {
      const raw = source[key];
      if (raw === undefined || raw === null || raw === '') continue;
      const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isInteger(value) || value < 1) {
        throw providerError('InvalidConfig', `azure: ${envName} must be a whole number ≥ 1, got "${String(raw)}"`,
          { hint: `Set ${envName} to e.g. 4, or unset it.` });
      }
      return value;
    }
  }
  return undefined;
}

function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is not echoed: a mistyped variable may hold a credential.
    throw providerError('InvalidConfig', 'azure: the blob endpoint (AZURE_STORAGE_BLOB_ENDPOINT) is not a URL',
      { hint: 'Set AZURE_STORAGE_BLOB_ENDPOINT to e.g. http://127.0.0.1:10000/devstoreaccount1 or https://<account>.blob.core.chinacloudapi.cn.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw providerError('InvalidConfig', `azure: blob endpoint must be http(s), got ${url.protocol}//`,
      { hint: 'Set AZURE_STORAGE_BLOB_ENDPOINT to the blob service URL.' });
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}
