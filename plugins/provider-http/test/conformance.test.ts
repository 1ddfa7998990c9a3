import { runConformance, type ConformanceTarget } from '@mr-init/core/testkit';
import provider from '../src/provider.js';
import { startHttpOrigin, type HttpOrigin } from '../../../test/servers/http-origin.js';

let origin: HttpOrigin;
let guarded: HttpOrigin;
let roots = 0;

beforeAll(async () => {
  origin = await startHttpOrigin();
  guarded = await startHttpOrigin({ files: { '/private/model.bin': { body: Buffer.from('secret model') } } });
  guarded.requireHeaders({ Authorization: 'Bearer right-token' });
});
afterAll(async () => {
  await provider.close?.();
  await Promise.all([origin.close(), guarded.close()]);
});

const keyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** HTTP has no listing: each seed is a fresh folder of files on the origin, each with Content-MD5 and a sha-256 Digest. */
const target: ConformanceTarget = {
  provider,
  async seed(files) {
    const prefix = `/seed-${++roots}/`;
    for (const [key, body] of Object.entries(files)) origin.setFile(prefix + key, { body, contentMd5: true, digest: true });
    return new URL(prefix, origin.url);
  },
  objectUri: (root, key) => new URL(keyPath(key), root),
  deniedUri: async () => new URL('/private/model.bin', guarded.url),
  remove: async (root, key) => origin.removeFile(root.pathname + key),
  ctx: { env: {} },
};

describe('provider-http conformance', () => {
  runConformance(test, target);
});
