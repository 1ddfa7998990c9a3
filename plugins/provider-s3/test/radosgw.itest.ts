/**
 * The slow job: the provider against Ceph radosgw, a real S3 implementation that checks SigV4 signatures,
 * honours If-Match and enforces bucket ownership (what s3rver cannot show). Not part of the default jest
 * run (it matches *.itest.ts); run it with:
 *   bash test/servers/radosgw/install.sh   # root, once per machine (about 1 min)
 *   npm run jest -- --testMatch '<rootDir>/plugins/provider-s3/test/*.itest.ts'
 */
import { runConformance } from '@mr-init/core/testkit';
import type { ProviderContext } from '@mr-init/core';
import provider from '../src/provider.js';
import { radosgwInstalled, startRadosgw, type RadosgwHandle } from '../../../test/servers/radosgw/radosgw.js';
import { caught, listAll, readAll, s3Uri, seededRoots, silentLogger } from './helpers.js';

const BUCKET = 'mr-init-conformance';
const PRIVATE = 'someone-elses-bucket';
let gw: RadosgwHandle;

function ctx(extra: Record<string, string> = {}): ProviderContext {
  return {
    env: {
      AWS_ENDPOINT_URL: gw.endpoint, AWS_ACCESS_KEY_ID: gw.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: gw.credentials.secretAccessKey, AWS_REGION: 'us-east-1', ...extra,
    },
    settings: {},
    logger: silentLogger,
    signal: new AbortController().signal,
  };
}

beforeAll(async () => {
  if (!radosgwInstalled()) throw new Error('radosgw is not installed: run `bash test/servers/radosgw/install.sh` as root first');
  gw = await startRadosgw();
  await gw.createBucket(BUCKET);
  await gw.createBucket(PRIVATE, 'other');
  await gw.putObject(PRIVATE, 'secret/model.bin', Buffer.from('not yours'), 'other');
}, 180_000);

afterAll(async () => {
  await provider.close?.();
  await gw?.close();
}, 60_000);

// Not spread into the target: its `ctx` getter must stay lazy (the server starts in beforeAll).
const roots = seededRoots(BUCKET, () => gw.putObject.bind(gw));
runConformance(test, {
  provider,
  seed: roots.seed,
  objectUri: roots.objectUri,
  async deniedUri() {
    return s3Uri(PRIVATE, 'secret/');
  },
  async missingContainerUri() {
    return s3Uri('no-such-bucket', 'models/');
  },
  async remove(root, key) {
    await gw.deleteObject(BUCKET, decodeURIComponent(root.pathname).slice(1) + key);
  },
  get ctx() {
    return ctx();
  },
});

test('sigv4 | a wrong secret key is PermissionDenied (SignatureDoesNotMatch) with the credentials hint', async () => {
  await gw.putObject(BUCKET, 'signed/model.bin', Buffer.from('signed bytes'));
  const error = await caught(() => listAll(provider, s3Uri(BUCKET, 'signed'), ctx({ AWS_SECRET_ACCESS_KEY: 'a-wrong-secret-key' })));
  expect([error.kind, error.retryable, error.status]).toEqual(['PermissionDenied', false, 403]);
  expect(error.message).toContain('SignatureDoesNotMatch');
  expect(error.hint).toContain('AWS_SECRET_ACCESS_KEY');
  expect(`${error.message} ${error.hint}`).not.toContain('a-wrong-secret-key');
});

test('read | radosgw honours If-Match: an object overwritten after listing answers 412 → VersionChanged', async () => {
  await gw.putObject(BUCKET, 'pinned/model.bin', Buffer.from('version one'));
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'pinned/model.bin'), ctx());
  expect((await readAll(provider, obj!, { start: 0, end: 1 }, ctx())).toString()).toBe('v');
  await gw.putObject(BUCKET, 'pinned/model.bin', Buffer.from('version two!'));
  const error = await caught(() => readAll(provider, obj!, { start: 0, end: 7 }, ctx()));
  expect([error.kind, error.retryable, error.status]).toEqual(['VersionChanged', false, 412]);
});
