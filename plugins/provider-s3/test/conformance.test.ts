import { runConformance } from '@mr-init/core/testkit';
import provider from '../src/provider.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { s3rverContext, s3Uri } from './helpers.js';

const BUCKET = 'conformance';
let server: S3rverHandle;
let roots = 0;

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

// No deniedUri: s3rver enforces no bucket policies, so one context cannot be both allowed and denied.
// Denied access is tested with a wrong access key in errors.test.ts (and SigV4 against radosgw).
runConformance(test, {
  provider,
  async seed(files) {
    const root = `root-${++roots}`;
    await Promise.all(Object.entries(files).map(([key, body]) => server.putObject(BUCKET, `${root}/${key}`, body)));
    return s3Uri(BUCKET, `${root}/`);
  },
  objectUri(root, key) {
    return new URL(root.href + key.split('/').map(encodeURIComponent).join('/'));
  },
  async missingContainerUri() {
    return s3Uri('no-such-bucket', 'models/');
  },
  async remove(root, key) {
    await server.deleteObject(BUCKET, decodeURIComponent(root.pathname).slice(1) + key);
  },
  get ctx() {
    return s3rverContext(server);
  },
});
