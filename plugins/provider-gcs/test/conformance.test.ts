import { afterAll, beforeAll, test } from '@jest/globals';
import { runConformance } from '@mr-init/core/testkit';
import provider from '../src/provider.js';
import { startFakeGcs, type FakeGcs } from '../../../test/servers/gcs/index.js';

let fake: FakeGcs;
let runs = 0;
// Filled in beforeAll; the kit spreads ctx into each call's context, so the object is shared by reference.
const env: Record<string, string> = {};

beforeAll(async () => {
  fake = await startFakeGcs();
  env.STORAGE_EMULATOR_HOST = fake.emulatorHost;
  fake.createBucket('conformance');
  fake.createBucket('locked', { readers: ['someone-else@test-project.iam.gserviceaccount.com'] });
  fake.putObject('locked', 'model/weights.bin', Buffer.from('secret'));
});
afterAll(async () => {
  await provider.close?.();
  await fake.close();
});

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

runConformance(test, {
  provider,
  async seed(files) {
    const root = `run-${++runs}`;
    for (const [key, bytes] of Object.entries(files)) fake.putObject('conformance', `${root}/${key}`, bytes);
    return new URL(`gs://conformance/${root}`);
  },
  objectUri: (root, key) => new URL(`${root.href}/${encodeKey(key)}`),
  deniedUri: async () => new URL('gs://locked/model'),
  missingContainerUri: async () => new URL('gs://no-such-bucket/model'),
  async remove(root, key) {
    fake.deleteObject('conformance', `${decodeURIComponent(root.pathname.slice(1))}/${key}`);
  },
  ctx: { env },
});
