import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { crc32c } from '@node-rs/crc32';
import provider from '../src/provider.js';
import { startFakeGcs, type FakeGcs } from '../../../test/servers/gcs/index.js';
import { bytes, collect, gsUri, makeCtx, readAll } from './helpers.js';

let fake: FakeGcs;
let env: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeGcs();
  env = { STORAGE_EMULATOR_HOST: fake.emulatorHost };
  fake.putObject('models', 'iris/v1/model.onnx', bytes(300, 1));
  fake.putObject('models', 'iris/v1/config/params.json', Buffer.from('{"a":1}'), { contentType: 'application/json' });
  fake.putObject('models', 'iris/v1/', Buffer.alloc(0)); // folder marker
  fake.putObject('models', 'iris/v1/config/', Buffer.alloc(0));
  fake.putObject('models', 'iris/v10/model.onnx', bytes(50, 2));
  fake.putObject('models', 'iris/v1.tar.gz', bytes(20, 3));
  fake.putObject('models', 'single/model.bin', bytes(40, 4));
  fake.putObject('root-bucket', 'a.txt', Buffer.from('a'));
  fake.putObject('root-bucket', 'dir/b.txt', Buffer.from('bb'));
  fake.putObject('root-bucket', 'dir/', Buffer.alloc(0));
  fake.putObject('names', 'my model/wëights ünïcode 模型.bin', Buffer.from('unicode'));
  fake.putObject('names', 'my model/100% sure+plus.txt', Buffer.from('percent'));
  for (let i = 0; i < 8; i++) fake.putObject('paged', `p/obj-${i}`, Buffer.from(`object ${i}`));
  fake.createBucket('empty');
});
afterAll(async () => {
  await provider.close?.();
  await fake.close();
});

const paths = (objects: Array<{ path: string }>) => objects.map((o) => o.path).sort();

describe('gcs layout', () => {
  test('gcs layout | a prefix lists every object below it, relative to the prefix, markers skipped', async () => {
    const objects = await collect(provider.list(gsUri('models', 'iris/v1'), makeCtx(env)));
    expect(paths(objects)).toEqual(['config/params.json', 'model.onnx']);
  });

  test('gcs layout | v1 does not pull its sibling v10 or v1.tar.gz (kserve#3776)', async () => {
    const objects = await collect(provider.list(gsUri('models', 'iris/v1'), makeCtx(env)));
    expect(objects.some((o) => o.location.includes('v10') || o.location.includes('tar.gz'))).toBe(false);
  });

  test('gcs layout | a URI naming one object lands at its basename', async () => {
    const objects = await collect(provider.list(gsUri('models', 'iris/v1/model.onnx'), makeCtx(env)));
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ path: 'model.onnx', size: 300, location: 'models/iris/v1/model.onnx' });
  });

  test('gcs layout | an archive object next to a same-named folder prefix is fetched alone', async () => {
    const objects = await collect(provider.list(gsUri('models', 'iris/v1.tar.gz'), makeCtx(env)));
    expect(paths(objects)).toEqual(['v1.tar.gz']);
  });

  test('gcs layout | the bucket root lists the whole bucket', async () => {
    expect(paths(await collect(provider.list(new URL('gs://root-bucket'), makeCtx(env))))).toEqual(['a.txt', 'dir/b.txt']);
    expect(paths(await collect(provider.list(new URL('gs://root-bucket/'), makeCtx(env))))).toEqual(['a.txt', 'dir/b.txt']);
  });

  test('gcs layout | a trailing slash lists the folder and never falls back to one object', async () => {
    expect(paths(await collect(provider.list(gsUri('models', 'single/'), makeCtx(env))))).toEqual(['model.bin']);
    const before = fake.requests.length;
    expect(await collect(provider.list(gsUri('models', 'iris/v1/model.onnx/'), makeCtx(env)))).toEqual([]);
    expect(fake.requests.slice(before).every((r) => r.path === '/storage/v1/b/models/o')).toBe(true);
  });

  test('gcs layout | nothing at the URI yields nothing, without an error', async () => {
    expect(await collect(provider.list(gsUri('models', 'no/such/thing'), makeCtx(env)))).toEqual([]);
    expect(await collect(provider.list(new URL('gs://empty'), makeCtx(env)))).toEqual([]);
  });

  test('gcs layout | a missing bucket is NotFound', async () => {
    await expect(collect(provider.list(gsUri('no-such-bucket', 'x'), makeCtx(env)))).rejects.toMatchObject({ kind: 'NotFound', status: 404, retryable: false });
  });

  test('gcs layout | names with spaces, unicode, % and + round-trip through list and read', async () => {
    const objects = await collect(provider.list(gsUri('names', 'my model'), makeCtx(env)));
    expect(paths(objects)).toEqual(['100% sure+plus.txt', 'wëights ünïcode 模型.bin']);
    const single = await collect(provider.list(gsUri('names', 'my model/wëights ünïcode 模型.bin'), makeCtx(env)));
    expect(single.map((o) => o.path)).toEqual(['wëights ünïcode 模型.bin']);
    for (const object of objects) {
      const body = await readAll(await provider.read(object, undefined, makeCtx(env)));
      expect(body.toString()).toBe(object.path.startsWith('100') ? 'percent' : 'unicode');
    }
  });

  test('gcs layout | a URI typed with raw spaces and unicode is understood too', async () => {
    const objects = await collect(provider.list(new URL('gs://names/my model/wëights ünïcode 模型.bin'), makeCtx(env)));
    expect(objects.map((o) => o.path)).toEqual(['wëights ünïcode 模型.bin']);
  });

  test('gcs layout | listing follows nextPageToken past GCS_LIST_PAGE_SIZE', async () => {
    const before = fake.requests.length;
    const objects = await collect(provider.list(gsUri('paged', 'p'), makeCtx({ ...env, GCS_LIST_PAGE_SIZE: '3' })));
    expect(paths(objects)).toEqual([...Array(8).keys()].map((i) => `obj-${i}`));
    const lists = fake.requests.slice(before).filter((r) => r.path === '/storage/v1/b/paged/o');
    expect(lists).toHaveLength(3);
    expect(lists.map((r) => r.query.maxResults)).toEqual(['3', '3', '3']);
    expect(lists[0]!.query.pageToken).toBeUndefined();
    expect(lists[1]!.query.pageToken).toBeTruthy();
    expect(lists.every((r) => r.query.prefix === 'p/')).toBe(true);
  });

  test('gcs layout | checksums are the object\'s crc32c and md5 in lowercase hex, version its generation', async () => {
    const body = bytes(300, 1);
    const [object] = await collect(provider.list(gsUri('models', 'iris/v1/model.onnx'), makeCtx(env)));
    expect(object!.checksums).toEqual([
      { algorithm: 'crc32c', value: (crc32c(body) >>> 0).toString(16).padStart(8, '0') },
      { algorithm: 'md5', value: createHash('md5').update(body).digest('hex') },
    ]);
    expect(object!.version).toMatch(/^\d+$/);
    const [config] = await collect(provider.list(gsUri('models', 'iris/v1/config/params.json'), makeCtx(env)));
    expect(config!.contentType).toBe('application/json');
  });

  test('gcs layout | STORAGE_EMULATOR_HOST works with or without /storage/v1, and GCS_ENDPOINT too', async () => {
    for (const value of [{ STORAGE_EMULATOR_HOST: fake.url }, { STORAGE_EMULATOR_HOST: `127.0.0.1:${fake.port}` }, { GCS_ENDPOINT: fake.url }]) {
      expect(paths(await collect(provider.list(gsUri('models', 'single'), makeCtx(value))))).toEqual(['model.bin']);
    }
  });

  test('gcs layout | STORAGE_CONFIG settings of type gs override the environment', async () => {
    const ctx = makeCtx({ STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9' }, { settings: { type: 'gs', STORAGE_EMULATOR_HOST: fake.emulatorHost } });
    expect(paths(await collect(provider.list(gsUri('models', 'single'), ctx)))).toEqual(['model.bin']);
  });

  test('gcs layout | a gzip-encoded object is reported with unknown size and no checksums, and read decompressed', async () => {
    const plain = Buffer.from('{"decoded": true}'.repeat(50));
    fake.putObject('models', 'gz/config.json', gzipSync(plain), { contentType: 'application/json', contentEncoding: 'gzip' });
    const [object] = await collect(provider.list(gsUri('models', 'gz/config.json'), makeCtx(env)));
    expect(object).toMatchObject({ path: 'config.json', size: -1 });
    expect(object!.checksums).toBeUndefined();
    expect(await readAll(await provider.read(object!, undefined, makeCtx(env)))).toEqual(plain);
  });
});
