/** The core conformance kit against the real client and the fake NameNode/DataNode pair. */
import { fixtureBytes, runConformance } from '@mr-init/core/testkit';
import { startWebHdfs, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import provider from '../src/provider.js';
import { removeSecretDirs, secretDir } from './helpers.js';

let server: WebHdfs;
let roots = 0;
// Filled in beforeAll; the kit reads it on every call, so the same object is handed over here.
const env: Record<string, string> = {};

beforeAll(async () => {
  // A small batch size, so every directory listing in the kit also pages through LISTSTATUS_BATCH.
  server = await startWebHdfs({ batchSize: 2 });
  env.HDFS_SECRET_DIR = await secretDir({ HDFS_NAMENODE: server.url });
});

afterAll(async () => {
  await provider.close?.();
  await server.close();
  await removeSecretDirs();
});

/** hdfs://conformance/rN: the host is the first path segment, so this is /conformance/rN. */
function hdfsPath(uri: URL): string {
  return decodeURIComponent(`/${uri.host}${uri.pathname}`);
}

runConformance(test, {
  provider,
  async seed(files) {
    const base = `conformance/r${++roots}`;
    server.mkdir(`/${base}`);
    for (const [key, bytes] of Object.entries(files)) server.putFile(`/${base}/${key}`, bytes);
    return new URL(`hdfs://${base}`);
  },
  objectUri: (root, key) => new URL(`${root.href}/${key.split('/').map(encodeURIComponent).join('/')}`),
  async deniedUri() {
    server.putFile('/locked/model.bin', fixtureBytes(16));
    server.deny('/locked');
    return new URL('hdfs://locked');
  },
  async remove(root, key) {
    server.remove(`${hdfsPath(root)}/${key}`);
  },
  ctx: { env },
});
