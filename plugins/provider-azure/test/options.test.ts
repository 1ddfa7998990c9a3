/**
 * Options from the environment, STORAGE_CONFIG and settings; the credential each combination chooses; and
 * the SDK credential object built for it (constructed without network: Entra ID is not reachable here).
 */
import { azureLimits } from '../src/provider.js';
import type { ProviderError } from '@mr-init/core';
import { createCredential } from '../src/client.js';
import { planAccess } from '../src/credentials.js';
import { classifyAccessKey, parseAzureOptions, parseConnectionString, redactOptions } from '../src/options.js';

const KEY = Buffer.alloc(64, 7).toString('base64');
const SAS = 'sv=2022-11-02&ss=b&srt=co&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=c2lnbmF0dXJl';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0a1b2c3d-0000-4000-8000-000000000001';
const URI = new URL('https://acct.blob.core.windows.net/models/iris');

const options = (env: Record<string, string>, settings: Record<string, unknown> = {}) => parseAzureOptions({ env, settings });
const plan = (env: Record<string, string>, uri: URL = URI) => planAccess(uri, options(env));

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a throw');
}

describe('parseAzureOptions', () => {
  test('parseAzureOptions | defaults: no concurrency limit, no credentials', () => {
    expect(options({})).toEqual({});
  });

  test('parseAzureOptions | AZURE_MAX_FILE_CONCURRENCY / AZURE_MAX_CHUNK_CONCURRENCY', () => {
    expect(options({ AZURE_MAX_FILE_CONCURRENCY: '8', AZURE_MAX_CHUNK_CONCURRENCY: ' 16 ' }))
      .toMatchObject({ maxFileConcurrency: 8, maxChunkConcurrency: 16 });
  });

  test('parseAzureOptions | a bad concurrency is InvalidConfig naming the variable', () => {
    for (const value of ['0', '-1', '2.5', 'many']) {
      const error = thrown(() => options({ AZURE_MAX_CHUNK_CONCURRENCY: value }));
      expect(error.kind).toBe('InvalidConfig');
      expect(error.message).toMatch(/AZURE_MAX_CHUNK_CONCURRENCY/);
    }
  });

  test('parseAzureOptions | AZURE_STORAGE_ACCESS_KEY holding an account key', () => {
    const o = options({ AZURE_STORAGE_ACCESS_KEY: KEY });
    expect(o.accountKey).toBe(KEY);
    expect(o.sasToken).toBeUndefined();
  });

  test('parseAzureOptions | AZURE_STORAGE_ACCESS_KEY holding a SAS, with or without "?"', () => {
    expect(options({ AZURE_STORAGE_ACCESS_KEY: SAS })).toMatchObject({ sasToken: SAS });
    expect(options({ AZURE_STORAGE_ACCESS_KEY: `?${SAS}` })).toMatchObject({ sasToken: SAS });
    expect(options({ AZURE_STORAGE_ACCESS_KEY: SAS }).accountKey).toBeUndefined();
  });

  test('parseAzureOptions | an AZURE_STORAGE_ACCESS_KEY that is neither is refused without echoing it', () => {
    const error = thrown(() => options({ AZURE_STORAGE_ACCESS_KEY: 'not a key: s3cr3t!' }));
    expect(error.kind).toBe('InvalidConfig');
    expect(error.message).not.toMatch(/s3cr3t/);
  });

  test('parseAzureOptions | legacy AZ_* names, which win over AZURE_* as in KServe', () => {
    expect(options({ AZ_CLIENT_ID: 'legacy-id', AZ_TENANT_ID: 't1', AZ_CLIENT_SECRET: 's1' }))
      .toMatchObject({ clientId: 'legacy-id', tenantId: 't1', clientSecret: 's1' });
    expect(options({ AZ_CLIENT_ID: 'legacy', AZURE_CLIENT_ID: 'modern' }).clientId).toBe('legacy');
    expect(options({ AZURE_CLIENT_ID: 'modern', AZURE_TENANT_ID: 't', AZURE_CLIENT_SECRET: 's' }))
      .toMatchObject({ clientId: 'modern', tenantId: 't', clientSecret: 's' });
  });

  test('parseAzureOptions | workload identity and endpoint variables', () => {
    expect(options({
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_AUTHORITY_HOST: 'https://login.chinacloudapi.cn/',
      AZURE_STORAGE_BLOB_ENDPOINT: 'http://127.0.0.1:10000/devstoreaccount1/',
      AZURE_STORAGE_ACCOUNT: 'acct',
    })).toMatchObject({
      federatedTokenFile: '/var/run/secrets/azure/tokens/azure-identity-token',
      authorityHost: 'https://login.chinacloudapi.cn/',
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      accountName: 'acct',
    });
  });

  test('parseAzureOptions | a blob endpoint that is not an http(s) URL is InvalidConfig', () => {
    expect(thrown(() => options({ AZURE_STORAGE_BLOB_ENDPOINT: 'not a url' })).kind).toBe('InvalidConfig');
    expect(thrown(() => options({ AZURE_STORAGE_BLOB_ENDPOINT: 'ftp://host/acct' })).kind).toBe('InvalidConfig');
  });

  test('parseAzureOptions | STORAGE_CONFIG of type azure, KServe-style keys, beats the environment', () => {
    const o = options({
      AZURE_STORAGE_ACCESS_KEY: KEY,
      AZURE_CLIENT_ID: 'from-env',
      STORAGE_CONFIG: JSON.stringify({
        type: 'azure', account_name: 'cfgacct', client_id: 'from-config', tenant_id: 't', client_secret: 's',
        blob_endpoint: 'https://cfgacct.blob.core.usgovcloudapi.net', sas_token: `?${SAS}`,
      }),
    });
    expect(o).toMatchObject({
      accountName: 'cfgacct', clientId: 'from-config', tenantId: 't', clientSecret: 's',
      blobEndpoint: 'https://cfgacct.blob.core.usgovcloudapi.net', sasToken: SAS, accountKey: KEY,
    });
  });

  test('parseAzureOptions | STORAGE_CONFIG accepts variable names and access_key, connection_string, endpoint_url', () => {
    expect(options({ STORAGE_CONFIG: JSON.stringify({ type: 'azure', AZURE_STORAGE_ACCESS_KEY: SAS }) }).sasToken).toBe(SAS);
    expect(options({ STORAGE_CONFIG: JSON.stringify({ type: 'azure', access_key: KEY }) }).accountKey).toBe(KEY);
    expect(options({ STORAGE_CONFIG: JSON.stringify({ type: 'azure', connection_string: 'AccountName=a;AccountKey=k' }) }).connectionString)
      .toBe('AccountName=a;AccountKey=k');
    expect(options({ STORAGE_CONFIG: JSON.stringify({ type: 'azure', endpoint_url: 'http://127.0.0.1:1/a' }) }).blobEndpoint)
      .toBe('http://127.0.0.1:1/a');
  });

  test('parseAzureOptions | STORAGE_OVERRIDE_CONFIG keys win over STORAGE_CONFIG', () => {
    const o = options({
      STORAGE_CONFIG: JSON.stringify({ type: 'azure', account_name: 'base', client_id: 'base-id' }),
      STORAGE_OVERRIDE_CONFIG: JSON.stringify({ account_name: 'override' }),
    });
    expect(o).toMatchObject({ accountName: 'override', clientId: 'base-id' });
  });

  test('parseAzureOptions | STORAGE_CONFIG of another type is ignored', () => {
    const o = options({ AZURE_CLIENT_ID: 'env', STORAGE_CONFIG: JSON.stringify({ type: 's3', client_id: 'nope', access_key_id: 'x' }) });
    expect(o.clientId).toBe('env');
  });

  test('parseAzureOptions | STORAGE_CONFIG that is not a JSON object is InvalidConfig, without echoing it', () => {
    const error = thrown(() => options({ STORAGE_CONFIG: '{"type":"azure","access_key":"topsecret"' }));
    expect(error.kind).toBe('InvalidConfig');
    expect(error.message).not.toMatch(/topsecret/);
    expect(thrown(() => options({ STORAGE_CONFIG: '["azure"]' })).kind).toBe('InvalidConfig');
  });

  test('parseAzureOptions | the environment beats settings (the config file)', () => {
    expect(options({ AZURE_STORAGE_ACCOUNT: 'env' }, { account_name: 'file' }).accountName).toBe('env');
    expect(options({}, { account_name: 'file', AZURE_MAX_FILE_CONCURRENCY: 2 })).toMatchObject({ accountName: 'file', maxFileConcurrency: 2 });
  });

  test('redactOptions | replaces every secret with REDACTED', () => {
    const o = options({
      AZURE_STORAGE_CONNECTION_STRING: `AccountName=a;AccountKey=${KEY}`, AZURE_STORAGE_ACCESS_KEY: KEY,
      STORAGE_CONFIG: JSON.stringify({ type: 'azure', sas_token: SAS, client_secret: 'hunter22', client_id: 'id' }),
    });
    const text = JSON.stringify(redactOptions(o));
    for (const secret of [KEY, SAS, 'hunter22', 'c2lnbmF0dXJl']) expect(text).not.toContain(secret);
    expect(redactOptions(o)).toMatchObject({ connectionString: 'REDACTED', accountKey: 'REDACTED', sasToken: 'REDACTED', clientSecret: 'REDACTED', clientId: 'id' });
  });
});

describe('classifyAccessKey / parseConnectionString', () => {
  test('classifyAccessKey | account key, SAS, neither', () => {
    expect(classifyAccessKey(KEY)).toBe('accountKey');
    expect(classifyAccessKey(SAS)).toBe('sas');
    expect(classifyAccessKey(`?${SAS}`)).toBe('sas');
    expect(classifyAccessKey('sv=2022-11-02&sp=rl')).toBe('invalid');
    expect(classifyAccessKey('abc')).toBe('invalid');
  });

  test('parseConnectionString | key, SAS, BlobEndpoint, EndpointSuffix; keys are case-insensitive', () => {
    expect(parseConnectionString(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.chinacloudapi.cn`))
      .toEqual({ accountName: 'acct', accountKey: KEY, blobEndpoint: 'https://acct.blob.core.chinacloudapi.cn' });
    expect(parseConnectionString(`BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;SharedAccessSignature=${SAS}`))
      .toEqual({ blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1', sasToken: SAS });
    expect(parseConnectionString(`accountname=acct;accountkey=${KEY}`)).toEqual({ accountName: 'acct', accountKey: KEY });
  });

  test('parseConnectionString | missing credentials, missing account, UseDevelopmentStorage are InvalidConfig', () => {
    expect(thrown(() => parseConnectionString('AccountName=acct')).kind).toBe('InvalidConfig');
    expect(thrown(() => parseConnectionString(`AccountKey=${KEY}`)).kind).toBe('InvalidConfig');
    expect(thrown(() => parseConnectionString('UseDevelopmentStorage=true')).kind).toBe('InvalidConfig');
  });
});

describe('planAccess | credential choice', () => {
  test('planAccess | nothing set → anonymous', () => {
    expect(plan({}).credential).toEqual({ method: 'anonymous' });
  });

  test('planAccess | a SAS in the URI wins over everything', () => {
    const uri = new URL(`https://acct.blob.core.windows.net/models/iris?${SAS}`);
    expect(plan({ AZURE_STORAGE_ACCESS_KEY: KEY, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 's' }, uri).credential)
      .toEqual({ method: 'uri-sas', sas: SAS });
  });

  test('planAccess | the connection string comes next, then Entra ID, then the access key', () => {
    const all = {
      AZURE_STORAGE_CONNECTION_STRING: `AccountName=acct;AccountKey=${KEY}`,
      AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 's',
      AZURE_STORAGE_ACCESS_KEY: KEY,
    };
    expect(plan(all).credential).toEqual({ method: 'connection-string', accountName: 'acct', accountKey: KEY });
    const { AZURE_STORAGE_CONNECTION_STRING: _cs, ...rest } = all;
    expect(plan(rest).credential).toMatchObject({ method: 'client-secret', clientId: CLIENT, tenantId: TENANT });
    expect(plan({ AZURE_STORAGE_ACCESS_KEY: KEY }).credential).toEqual({ method: 'account-key', accountName: 'acct', accountKey: KEY });
    expect(plan({ AZURE_STORAGE_ACCESS_KEY: SAS }).credential).toEqual({ method: 'sas', sas: SAS });
  });

  test('planAccess | the legacy AZ_* service principal', () => {
    expect(plan({ AZ_CLIENT_ID: CLIENT, AZ_TENANT_ID: TENANT, AZ_CLIENT_SECRET: 's' }).credential)
      .toMatchObject({ method: 'client-secret', clientId: CLIENT, tenantId: TENANT, clientSecret: 's' });
  });

  test('planAccess | workload identity when the federated token file is set', () => {
    expect(plan({ AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_FEDERATED_TOKEN_FILE: '/tok', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' }).credential)
      .toEqual({ method: 'workload-identity', clientId: CLIENT, tenantId: TENANT, tokenFilePath: '/tok', authorityHost: 'https://login.microsoftonline.us' });
  });

  test('planAccess | a bare AZURE_CLIENT_ID is a managed identity, ranked below an explicit key', () => {
    expect(plan({ AZURE_CLIENT_ID: CLIENT }).credential).toEqual({ method: 'managed-identity', clientId: CLIENT });
    expect(plan({ AZURE_CLIENT_ID: CLIENT, AZURE_STORAGE_ACCESS_KEY: KEY }).credential.method).toBe('account-key');
  });

  test('planAccess | a client secret without tenant is InvalidConfig naming what is missing', () => {
    const error = thrown(() => plan({ AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 's' }));
    expect(error.kind).toBe('InvalidConfig');
    expect(error.message).toMatch(/AZURE_TENANT_ID/);
  });

  test('planAccess | endpoint override sends the public-cloud URI to Azurite, same account', () => {
    const access = plan({ AZURE_STORAGE_BLOB_ENDPOINT: 'http://127.0.0.1:10000/devstoreaccount1', AZURE_STORAGE_ACCESS_KEY: KEY },
      new URL('wasbs://models@devstoreaccount1.blob.core.windows.net/iris'));
    expect(access.location).toEqual({ account: 'devstoreaccount1', serviceUrl: 'http://127.0.0.1:10000/devstoreaccount1', container: 'models', path: 'iris' });
    expect(access.credential).toMatchObject({ method: 'account-key', accountName: 'devstoreaccount1' });
  });

  test('planAccess | the connection string\'s BlobEndpoint acts as the endpoint override', () => {
    const access = plan({ AZURE_STORAGE_CONNECTION_STRING: `AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1` },
      new URL('http://127.0.0.1:10000/devstoreaccount1/models/iris'));
    expect(access.location).toMatchObject({ serviceUrl: 'http://127.0.0.1:10000/devstoreaccount1', container: 'models', path: 'iris' });
  });

  test('planAccess | a URI for another account than the configuration is refused', () => {
    const error = thrown(() => plan({ AZURE_STORAGE_CONNECTION_STRING: `AccountName=other;AccountKey=${KEY}` }));
    expect(error.kind).toBe('InvalidConfig');
    expect(error.message).toMatch(/"acct".*"other"/);
    expect(thrown(() => plan({ AZURE_STORAGE_BLOB_ENDPOINT: 'http://127.0.0.1:10000/devstoreaccount1' })).kind).toBe('InvalidConfig');
  });

  test('planAccess | custom domain endpoint + AZURE_STORAGE_ACCOUNT signs for that account', () => {
    const access = plan({ AZURE_STORAGE_BLOB_ENDPOINT: 'https://models.example.com', AZURE_STORAGE_ACCOUNT: 'acct', AZURE_STORAGE_ACCESS_KEY: KEY },
      new URL('https://models.example.com/c/m.bin'));
    expect(access.credential).toEqual({ method: 'account-key', accountName: 'acct', accountKey: KEY });
  });

  test('planAccess | an account key with no way to know the account is InvalidConfig', () => {
    const error = thrown(() => plan({ AZURE_STORAGE_BLOB_ENDPOINT: 'https://models.example.com', AZURE_STORAGE_ACCESS_KEY: KEY },
      new URL('https://models.example.com/c/m.bin')));
    expect(error.hint).toMatch(/AZURE_STORAGE_ACCOUNT/);
  });
});

describe('createCredential | SDK credential types, built without network', () => {
  const built = async (env: Record<string, string>, uri: URL = URI) => (await createCredential(plan(env, uri).credential)).credential.constructor.name;

  test('createCredential | service principal → ClientSecretCredential (AZURE_* and legacy AZ_*)', async () => {
    expect(await built({ AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 'secret' })).toBe('ClientSecretCredential');
    expect(await built({ AZ_CLIENT_ID: CLIENT, AZ_TENANT_ID: TENANT, AZ_CLIENT_SECRET: 'secret' })).toBe('ClientSecretCredential');
  });

  test('createCredential | workload identity → WorkloadIdentityCredential', async () => {
    expect(await built({ AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/token' }))
      .toBe('WorkloadIdentityCredential');
  });

  test('createCredential | bare client id → ManagedIdentityCredential', async () => {
    expect(await built({ AZURE_CLIENT_ID: CLIENT })).toBe('ManagedIdentityCredential');
  });

  test('createCredential | keys → StorageSharedKeyCredential; SAS and nothing → AnonymousCredential with/without a SAS', async () => {
    expect(await built({ AZURE_STORAGE_ACCESS_KEY: KEY })).toBe('StorageSharedKeyCredential');
    expect(await built({ AZURE_STORAGE_CONNECTION_STRING: `AccountName=acct;AccountKey=${KEY}` })).toBe('StorageSharedKeyCredential');
    const sas = await createCredential(plan({ AZURE_STORAGE_ACCESS_KEY: SAS }).credential);
    expect([sas.credential.constructor.name, sas.sas]).toEqual(['AnonymousCredential', SAS]);
    const anonymous = await createCredential(plan({}).credential);
    expect([anonymous.credential.constructor.name, anonymous.sas]).toEqual(['AnonymousCredential', undefined]);
  });
});

describe('azureLimits', () => {
  test('azureLimits | no limit unless asked; then files × chunks, KServe\'s 4 for the one not set', () => {
    const ctx = (env: Record<string, string>) => ({ env, settings: {} });
    expect(azureLimits(ctx({}))).toEqual({});
    expect(azureLimits(ctx({ AZURE_MAX_FILE_CONCURRENCY: '2', AZURE_MAX_CHUNK_CONCURRENCY: '3' }))).toEqual({ maxConnections: 6 });
    expect(azureLimits(ctx({ AZURE_MAX_FILE_CONCURRENCY: '2' }))).toEqual({ maxConnections: 8 });
  });
});
