/**
 * @mr-init/provider-http: http:// and https:// URLs, one file each (KServe's HTTP(S) storage). The entry
 * module: default-exports the StorageProvider; got and hpagent are imported on first use.
 */
import type { ProviderContext, StorageProvider } from '@mr-init/core';
import { HttpClient } from './client.js';
import { listObject } from './list.js';
import { readHttpOptions } from './options.js';
import { readObject, readObjectInto } from './read.js';

export const DEBUG_NAMESPACE = 'mr-init:http';

/** Runtime dependencies, imported lazily (checked against package.json by a guard test). */
export const DRIVER_DEPENDENCIES = ['got', 'hpagent'] as const;

// One client per distinct configuration (proxies, CA, timeouts), so its keep-alive pools are shared by every part.
const clients = new Map<string, HttpClient>();

function clientFor(ctx: ProviderContext): HttpClient {
  const options = readHttpOptions(ctx);
  const key = JSON.stringify(options);
  let client = clients.get(key);
  if (!client) {
    client = new HttpClient(options);
    clients.set(key, client);
  }
  return client;
}

const provider: StorageProvider = {
  name: 'http',
  capabilities: {
    rangedRead: true,
    prefixListing: false,
    checksums: ['md5', 'sha256'],
    versionPinning: true,
  },
  list(uri, ctx) {
    return listObject(clientFor(ctx), uri, ctx);
  },
  read(obj, range, ctx) {
    return readObject(clientFor(ctx), obj, range, ctx);
  },
  readInto(obj, range, sink, ctx) {
    return readObjectInto(clientFor(ctx), obj, range, sink, ctx);
  },
  async close() {
    const all = [...clients.values()];
    clients.clear();
    await Promise.all(all.map((c) => c.close()));
  },
};

export default provider;
