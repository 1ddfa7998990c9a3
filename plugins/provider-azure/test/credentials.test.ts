/**
 * Every credential Azurite can check, through the real SDK: account key, connection string, SAS in the URI,
 * SAS in AZURE_STORAGE_ACCESS_KEY (service and account SAS), STORAGE_CONFIG, anonymous on a public
 * container, and the refusals (wrong key, SAS without list permission, expired SAS, anonymous on a private
 * container). Secrets must never reach a log line, an error or a location.
 */
import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, ContainerSASPermissions, SASProtocol,
  StorageSharedKeyCredential, generateAccountSASQueryParameters, generateBlobSASQueryParameters, type ContainerClient,
} from '@azure/storage-blob';
import provider from '../src/provider.js';
import { startAzurite, type AzuriteServer } from '../../../test/servers/azurite.js';
import { DEV_HOST, blobUri, failure, listAll, listPaths, makeCtx, readText, seedContainer } from './support.js';

let server: AzuriteServer;
let priv: ContainerClient;
let pub: ContainerClient;
let sharedKey: StorageSharedKeyCredential;

const FILES = { 'm/model.bin': 'weights', 'm/config.json': '{"a":1}' };

beforeAll(async () => {
  server = await startAzurite();
  sharedKey = new StorageSharedKeyCredential(server.accountName, server.accountKey);
  priv = await seedContainer(server, FILES);
  pub = await seedContainer(server, { 'm/model.bin': 'public weights' }, { publicAccess: true });
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

afterEach(async () => {
  // Each test starts without cached clients, so a credential from one test cannot serve another.
  await provider.close?.();
});

const expiresOn = (): Date => new Date(Date.now() + 3600_000);

function containerSas(container: ContainerClient, permissions: string, expires = expiresOn()): string {
  return generateBlobSASQueryParameters({
    containerName: container.containerName, permissions: ContainerSASPermissions.parse(permissions), expiresOn: expires,
    protocol: SASProtocol.HttpsAndHttp,
  }, sharedKey).toString();
}

function accountSas(): string {
  return generateAccountSASQueryParameters({
    expiresOn: expiresOn(), permissions: AccountSASPermissions.parse('rl'),
    resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString(),
    protocol: SASProtocol.HttpsAndHttp,
  }, sharedKey).toString();
}

/** Lists `m` and reads model.bin through the provider. */
async function fetchModel(uri: string, env: Record<string, string>): Promise<{ paths: string[]; body: string; ctx: ReturnType<typeof makeCtx> }> {
  const ctx = makeCtx(env);
  const objects = await listAll(uri, ctx);
  const model = objects.find((o) => o.path === 'model.bin')!;
  return { paths: objects.map((o) => o.path).sort(), body: await readText(model, ctx), ctx };
}

const endpoint = (): Record<string, string> => ({ AZURE_STORAGE_BLOB_ENDPOINT: server.blobEndpoint });

test('account key | AZURE_STORAGE_ACCESS_KEY with the public-cloud URI and the endpoint override', async () => {
  const { paths, body, ctx } = await fetchModel(blobUri(priv, 'm'), { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: server.accountKey });
  expect(paths).toEqual(['config.json', 'model.bin']);
  expect(body).toBe('weights');
  expect(ctx.warnings).toEqual([]);
});

test('account key | wasbs:// URI', async () => {
  const { body } = await fetchModel(`wasbs://${priv.containerName}@${DEV_HOST}/m`, { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: server.accountKey });
  expect(body).toBe('weights');
});

test('connection string | its BlobEndpoint routes public-cloud and path-style URIs', async () => {
  const env = { AZURE_STORAGE_CONNECTION_STRING: server.connectionString };
  expect((await fetchModel(blobUri(priv, 'm'), env)).body).toBe('weights');
  expect((await fetchModel(`${server.blobEndpoint}/${priv.containerName}/m`, env)).body).toBe('weights');
});

test('connection string | with a SharedAccessSignature instead of a key', async () => {
  const env = { AZURE_STORAGE_CONNECTION_STRING: `BlobEndpoint=${server.blobEndpoint};SharedAccessSignature=${accountSas()}` };
  expect((await fetchModel(blobUri(priv, 'm'), env)).paths).toEqual(['config.json', 'model.bin']);
});

test('STORAGE_CONFIG | type azure with connection_string', async () => {
  const env = { STORAGE_CONFIG: JSON.stringify({ type: 'azure', connection_string: server.connectionString }) };
  expect((await fetchModel(blobUri(priv, 'm'), env)).body).toBe('weights');
});

test('SAS in the URI | container SAS with read+list, no other credential', async () => {
  const sas = containerSas(priv, 'rl');
  const { paths, body, ctx } = await fetchModel(`${blobUri(priv, 'm')}?${sas}`, endpoint());
  expect(paths).toEqual(['config.json', 'model.bin']);
  expect(body).toBe('weights');
  expect(ctx.warnings).toEqual([]);
});

test('SAS in the URI | wins over a wrong account key in the environment', async () => {
  const wrongKey = Buffer.alloc(64, 9).toString('base64');
  const { body } = await fetchModel(`${blobUri(priv, 'm')}?${containerSas(priv, 'rl')}`, { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: wrongKey });
  expect(body).toBe('weights');
});

test('SAS in the URI | never appears in locations, log lines or errors', async () => {
  const sas = containerSas(priv, 'rl');
  const signature = new URLSearchParams(sas).get('sig')!;
  const ctx = makeCtx(endpoint());
  const objects = await listAll(`${blobUri(priv, 'm')}?${sas}`, ctx);
  for (const obj of objects) expect(obj.location).not.toContain(signature);
  const error = await failure(() => listAll(`https://${DEV_HOST}/no-such-container/m?${sas}`, ctx));
  expect(`${error.message} ${error.hint}`).not.toContain(signature);
  expect(ctx.debugs.join('\n')).not.toContain(signature);
});

test('SAS in AZURE_STORAGE_ACCESS_KEY | a container SAS is told apart from a key', async () => {
  expect((await fetchModel(blobUri(priv, 'm'), { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: containerSas(priv, 'rl') })).body).toBe('weights');
});

test('SAS in AZURE_STORAGE_ACCESS_KEY | an account SAS with a leading "?"', async () => {
  expect((await fetchModel(blobUri(priv, 'm'), { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: `?${accountSas()}` })).body).toBe('weights');
});

test('anonymous | a public container works, with one warning naming the variables', async () => {
  const { body, ctx } = await fetchModel(blobUri(pub, 'm'), endpoint());
  expect(body).toBe('public weights');
  expect(ctx.warnings).toHaveLength(1);
  expect(ctx.warnings[0]).toMatch(/anonymous/);
  expect(ctx.warnings[0]).toMatch(/AZURE_STORAGE_ACCESS_KEY/);
});

test('anonymous | a private container is PermissionDenied with a KServe-style hint', async () => {
  const error = await failure(() => listAll(blobUri(priv, 'm'), makeCtx(endpoint())));
  expect(error.kind).toBe('PermissionDenied');
  expect(error.retryable).toBe(false);
  expect(error.status).toBe(403);
  expect(error.hint).toMatch(/No Azure credentials were found/);
  expect(error.hint).toMatch(/AZURE_CLIENT_ID\/AZURE_TENANT_ID\/AZURE_CLIENT_SECRET/);
});

test('wrong key | Azurite checks the shared-key signature: PermissionDenied, key never echoed', async () => {
  const wrongKey = Buffer.alloc(64, 9).toString('base64');
  const ctx = makeCtx({ ...endpoint(), AZURE_STORAGE_ACCESS_KEY: wrongKey });
  const error = await failure(() => listAll(blobUri(priv, 'm'), ctx));
  expect(error.kind).toBe('PermissionDenied');
  expect(error.hint).toMatch(/AZURE_STORAGE_ACCESS_KEY/);
  expect(`${error.message} ${error.hint} ${ctx.debugs.join(' ')} ${ctx.warnings.join(' ')}`).not.toContain(wrongKey);
  expect(ctx.debugs.join(' ')).toContain('REDACTED');
});

test('SAS refusals | read-only SAS cannot list; an expired SAS is refused', async () => {
  const readOnly = await failure(() => listAll(`${blobUri(priv, 'm')}?${containerSas(priv, 'r')}`, makeCtx(endpoint())));
  expect(readOnly.kind).toBe('PermissionDenied');
  expect(readOnly.hint).toMatch(/sp=rl/);
  const expired = await failure(() => listAll(`${blobUri(priv, 'm')}?${containerSas(priv, 'rl', new Date(Date.now() - 60_000))}`, makeCtx(endpoint())));
  expect(expired.kind).toBe('PermissionDenied');
});

test('SAS for another container | PermissionDenied', async () => {
  const error = await failure(() => listAll(`${blobUri(priv, 'm')}?${containerSas(pub, 'rl')}`, makeCtx(endpoint())));
  expect(error.kind).toBe('PermissionDenied');
});

test('read after a fresh start | a location alone is enough, with credentials from the environment', async () => {
  const env = { ...endpoint(), AZURE_STORAGE_ACCESS_KEY: server.accountKey };
  const [obj] = await listAll(blobUri(priv, 'm/model.bin'), makeCtx(env));
  await provider.close?.();
  expect(await readText(obj!, makeCtx(env))).toBe('weights');
  expect(await listPaths(blobUri(priv, 'm/model.bin'), makeCtx(env))).toEqual(['model.bin']);
});
