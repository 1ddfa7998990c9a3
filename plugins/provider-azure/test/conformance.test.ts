/**
 * The core's conformance kit against Azurite, twice: the public-cloud URI form with an account key and the
 * endpoint override, and Azurite's own path-style URIs with a connection string.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ProviderContext } from '@mr-init/core';
import { runConformance, type ConformanceTarget } from '@mr-init/core/testkit';
import provider from '../src/provider.js';
import { startAzurite, type AzuriteServer } from '../../../test/servers/azurite.js';
import { DEV_HOST, adminClient, makeCtx } from './support.js';

let server: AzuriteServer;
let container: ContainerClient;

beforeAll(async () => {
  server = await startAzurite();
  container = adminClient(server).getContainerClient('conformance');
  await container.create();
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** A target whose URIs start with `base()` (…/<container>) and whose context comes from `env()`. */
function target(name: string, base: () => string, env: () => Record<string, string>): ConformanceTarget {
  let roots = 0;
  return {
    provider,
    async seed(files) {
      const prefix = `${name}-${++roots}`;
      for (const [key, bytes] of Object.entries(files)) await container.getBlockBlobClient(`${prefix}/${key}`).uploadData(bytes);
      return new URL(`${base()}/${prefix}`);
    },
    objectUri: (root, key) => new URL(`${root.href.replace(/\/$/, '')}/${encodeKey(key)}`),
    // A SAS in the URI wins over the environment's key; Azurite checks its signature.
    deniedUri: async () => new URL(`${base()}/${name}-1?sv=2021-08-06&sr=c&sp=rl&se=2099-01-01T00%3A00%3A00Z&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D`),
    missingContainerUri: async () => new URL(`${base().replace(/\/conformance$/, '/no-such-container')}/x`),
    async remove(root, key) {
      const prefix = root.pathname.split('/').filter(Boolean).pop()!;
      await container.deleteBlob(`${prefix}/${key}`);
    },
    get ctx(): Partial<ProviderContext> {
      return makeCtx(env());
    },
  };
}

describe('azure conformance | https://<account>.blob.core.windows.net with an account key', () => {
  runConformance(test, target('key',
    () => `https://${DEV_HOST}/conformance`,
    () => ({ AZURE_STORAGE_BLOB_ENDPOINT: server.blobEndpoint, AZURE_STORAGE_ACCESS_KEY: server.accountKey })));
});

describe('azure conformance | path-style Azurite URIs with a connection string', () => {
  runConformance(test, target('conn',
    () => `${server.blobEndpoint}/conformance`,
    () => ({ AZURE_STORAGE_CONNECTION_STRING: server.connectionString })));
});
