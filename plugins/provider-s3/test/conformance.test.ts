import { runConformance } from '@mr-init/core/testkit';
import provider from '../src/provider.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { s3rverContext, s3Uri, seededRoots } from './helpers.js';

const BUCKET = 'conformance';
let server: S3rverHandle;

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

// No deniedUri: s3rver enforces no bucket policies, so one context cannot be both allowed and denied.
// Denied access is tested with a wrong access key in errors.test.ts (and SigV4 against radosgw).
// Not spread into the target: its `ctx` getter must stay lazy (the server starts in beforeAll).
const roots = seededRoots(BUCKET, () => server.putObject.bind(server));
runConformance(test, {
  provider,
  seed: roots.seed,
  objectUri: roots.objectUri,
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
