/**
 * Which endpoint and which credential a URI is fetched with: a pure function of the URI and the options, so
 * the choice is unit-tested without the SDK or the network. Order (first that applies wins):
 *   1. a SAS in the URI's query                       (the most specific thing the user wrote)
 *   2. AZURE_STORAGE_CONNECTION_STRING                (account key or SAS, maybe an endpoint)
 *   3. Entra ID: client secret → ClientSecretCredential; AZURE_FEDERATED_TOKEN_FILE → WorkloadIdentityCredential
 *      (KServe ranks the service principal above the access key, and so do we)
 *   4. AZURE_STORAGE_ACCESS_KEY                       (account key, or a SAS: told apart by `sig=`)
 *   5. AZURE_CLIENT_ID alone → ManagedIdentityCredential (user-assigned)
 *   6. anonymous, with a warning                      (public containers; KServe's last resort)
 */
import { providerError } from './errors.js';
import { parseConnectionString, type AzureOptions } from './options.js';
import { accountOfEndpoint, displayUri, parseAzureUri, type AzureLocation } from './uri.js';

/** The credential to build, with the material it needs. */
export type CredentialPlan =
  | { method: 'uri-sas' | 'sas'; sas: string }
  | { method: 'connection-string'; accountName: string; accountKey?: string; sas?: string }
  | { method: 'account-key'; accountName: string; accountKey: string }
  | { method: 'client-secret'; tenantId: string; clientId: string; clientSecret: string; authorityHost?: string }
  | { method: 'workload-identity'; tenantId: string; clientId: string; tokenFilePath: string; authorityHost?: string }
  | { method: 'managed-identity'; clientId: string }
  | { method: 'anonymous' };

/** A URI resolved against the options: where to send requests and how to sign them. */
export interface AccessPlan {
  location: AzureLocation;
  credential: CredentialPlan;
}

/** Resolves endpoint, account and credential for `uri`. Throws kind InvalidConfig on contradictions. */
export function planAccess(uri: URL, options: AzureOptions): AccessPlan {
  const conn = options.connectionString === undefined ? undefined : parseConnectionString(options.connectionString);
  // An explicit endpoint beats the connection string's, which beats the one the URI implies.
  const endpoint = options.blobEndpoint ?? conn?.blobEndpoint;
  const parsed = parseAzureUri(uri, endpoint);
  const serviceUrl = endpoint ?? parsed.serviceUrl;
  const endpointAccount = endpoint === undefined ? parsed.account : accountOfEndpoint(new URL(endpoint));
  const account = options.accountName ?? conn?.accountName ?? (endpointAccount || parsed.account);

  // Signing for one account and addressing another fails with a confusing 403, or worse reads a
  // same-named container of the wrong account: refuse it up front.
  if (parsed.account !== '' && account !== '' && parsed.account.toLowerCase() !== account.toLowerCase()) {
    throw providerError('InvalidConfig',
      `azure: ${displayUri(uri)} names storage account "${parsed.account}", but the configuration is for "${account}"`,
      { hint: 'Use a URI for the configured account, or fix AZURE_STORAGE_BLOB_ENDPOINT / AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_ACCOUNT.' });
  }
  const location: AzureLocation = { ...parsed, account, serviceUrl };
  return { location, credential: chooseCredential(parsed.sas, conn, options, account) };
}

function chooseCredential(
  uriSas: string | undefined,
  conn: ReturnType<typeof parseConnectionString> | undefined,
  options: AzureOptions,
  account: string,
): CredentialPlan {
  if (uriSas !== undefined) return { method: 'uri-sas', sas: uriSas };
  if (conn !== undefined) {
    return {
      method: 'connection-string',
      accountName: conn.accountName ?? account,
      ...(conn.accountKey !== undefined ? { accountKey: conn.accountKey } : { sas: conn.sasToken! }),
    };
  }
  const { clientId, tenantId, clientSecret, federatedTokenFile, authorityHost } = options;
  const authority = authorityHost === undefined ? {} : { authorityHost };
  if (clientSecret !== undefined || federatedTokenFile !== undefined) {
    const missing = [clientId === undefined && 'AZURE_CLIENT_ID', tenantId === undefined && 'AZURE_TENANT_ID'].filter(Boolean);
    if (missing.length > 0 && clientSecret !== undefined) {
      throw providerError('InvalidConfig', `azure: AZURE_CLIENT_SECRET is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not`,
        { hint: 'A service principal needs AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (or the legacy AZ_* names).' });
    }
    if (clientSecret !== undefined) {
      return { method: 'client-secret', tenantId: tenantId!, clientId: clientId!, clientSecret, ...authority };
    }
    // The workload identity webhook injects all three; without them the token file is someone else's.
    if (clientId !== undefined && tenantId !== undefined) {
      return { method: 'workload-identity', tenantId, clientId, tokenFilePath: federatedTokenFile!, ...authority };
    }
  }
  if (options.accountKey !== undefined) {
    if (account === '') {
      throw providerError('InvalidConfig', 'azure: an account key is set, but the storage account name is unknown',
        { hint: 'Set AZURE_STORAGE_ACCOUNT, or use a URI or endpoint that names the account.' });
    }
    return { method: 'account-key', accountName: account, accountKey: options.accountKey };
  }
  if (options.sasToken !== undefined) return { method: 'sas', sas: options.sasToken };
  // A bare client id (no secret, no token file) is how a user-assigned managed identity is chosen. It ranks
  // below an explicit key: KServe would try its whole DefaultAzureCredential chain here instead.
  if (clientId !== undefined) return { method: 'managed-identity', clientId };
  return { method: 'anonymous' };
}

