import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { crc32c } from '@node-rs/crc32';
import type { RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';
import { crc32cBase64, startFakeGcs, type FakeGcs } from '../../../test/servers/gcs/index.js';
import { bytes, collect, gsUri, makeCtx, readAll } from './helpers.js';

let fake: FakeGcs;
let env: Record<string, string>;
const body = bytes(64 * 1024 + 7, 11);

beforeAll(async () => {
  fake = await startFakeGcs();
  env = { STORAGE_EMULATOR_HOST: fake.emulatorHost };
  fake.putObject('data', 'blob.bin', body);
});
afterAll(async () => {
  await provider.close?.();
  await fake.close();
});

async function listOne(key: string): Promise<RemoteObject> {
  const objects = await collect(provider.list(gsUri('data', key), makeCtx(env)));
  expect(objects).toHaveLength(1);
  return objects[0]!;
}

const hex = (value: number) => (value >>> 0).toString(16).padStart(8, '0');

/** Bit-by-bit CRC32C (Castagnoli, reflected 0x82f63b78): an implementation independent of the fake's. */
function crc32cReference(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('gcs read', () => {
  test('gcs read | a whole read returns the object\'s bytes', async () => {
    const object = await listOne('blob.bin');
    expect(await readAll(await provider.read(object, undefined, makeCtx(env)))).toEqual(body);
  });

  test('gcs read | ranges are [start, end) and sent as inclusive Range headers', async () => {
    const object = await listOne('blob.bin');
    const ranges = [[0, 1], [10, 20], [1000, 40_000], [body.length - 1, body.length], [0, body.length]] as const;
    for (const [start, end] of ranges) {
      const before = fake.requests.length;
      const got = await readAll(await provider.read(object, { start, end }, makeCtx(env)));
      expect(got).toEqual(body.subarray(start, end));
      const media = fake.requests.slice(before).filter((r) => r.query.alt === 'media');
      expect(media.map((r) => r.range)).toEqual([`bytes=${start}-${end - 1}`]);
    }
  });

  test('gcs read | an empty range makes no request', async () => {
    const object = await listOne('blob.bin');
    const before = fake.requests.length;
    expect((await readAll(await provider.read(object, { start: 5, end: 5 }, makeCtx(env)))).length).toBe(0);
    expect(fake.requests.length).toBe(before);
  });

  test('gcs read | reads are pinned to the listed generation', async () => {
    const object = await listOne('blob.bin');
    const before = fake.requests.length;
    await readAll(await provider.read(object, { start: 0, end: 10 }, makeCtx(env)));
    const [media] = fake.requests.slice(before).filter((r) => r.query.alt === 'media');
    expect(media!.path).toBe('/storage/v1/b/data/o/blob.bin');
    expect(media!.query.generation).toBe(object.version);
  });

  test('gcs read | an object overwritten after listing fails with VersionChanged', async () => {
    fake.putObject('data', 'changing.bin', Buffer.from('first version'));
    const object = await listOne('changing.bin');
    fake.putObject('data', 'changing.bin', Buffer.from('second version, longer'));
    await expect(provider.read(object, { start: 0, end: 5 }, makeCtx(env))).rejects.toMatchObject({ kind: 'VersionChanged', retryable: false });
    await expect(provider.read(object, undefined, makeCtx(env))).rejects.toMatchObject({ kind: 'VersionChanged' });
  });

  test('gcs read | an object deleted after listing fails with NotFound', async () => {
    fake.putObject('data', 'doomed.bin', Buffer.from('soon gone'));
    const object = await listOne('doomed.bin');
    fake.deleteObject('data', 'doomed.bin');
    await expect(provider.read(object, undefined, makeCtx(env))).rejects.toMatchObject({ kind: 'NotFound', status: 404 });
  });

  test('gcs read | the fake\'s stored checksums match an independent computation', async () => {
    const object = await listOne('blob.bin');
    expect(object.checksums).toContainEqual({ algorithm: 'crc32c', value: hex(crc32cReference(body)) });
    expect(object.checksums).toContainEqual({ algorithm: 'md5', value: createHash('md5').update(body).digest('hex') });
    // GCS's base64 big-endian form, checked against known vectors (RFC 3720: 32 zero bytes → 0x8a9136aa).
    expect(crc32cBase64(Buffer.alloc(32))).toBe(Buffer.from('8a9136aa', 'hex').toString('base64'));
    expect(crc32cBase64(Buffer.from('123456789'))).toBe(Buffer.from('e3069283', 'hex').toString('base64'));
    expect(hex(crc32cReference(Buffer.from('123456789')))).toBe('e3069283');
  });

  test('gcs read | a corrupted byte reaches the caller unvalidated, and the listed checksums expose it', async () => {
    const object = await listOne('blob.bin');
    fake.fault({ on: 'media', corruptByte: 4242 });
    const got = await readAll(await provider.read(object, undefined, makeCtx(env)));
    expect(got.length).toBe(body.length);
    expect(got.equals(body)).toBe(false);
    const listedCrc = object.checksums!.find((c) => c.algorithm === 'crc32c')!.value;
    const listedMd5 = object.checksums!.find((c) => c.algorithm === 'md5')!.value;
    expect(hex(crc32c(got))).not.toBe(listedCrc);
    expect(createHash('md5').update(got).digest('hex')).not.toBe(listedMd5);
    expect(hex(crc32c(body))).toBe(listedCrc);
  });

  test('gcs read | a TCP reset mid-body errors the stream as Unavailable', async () => {
    const object = await listOne('blob.bin');
    fake.fault({ on: 'media', resetAfterBytes: 1000 });
    const stream = await provider.read(object, undefined, makeCtx(env));
    await expect(readAll(stream)).rejects.toMatchObject({ kind: 'Unavailable', retryable: true });
  });

  test('gcs read | a connection cut mid-body hangs in the SDK until ctx.signal aborts, which errors the stream', async () => {
    const object = await listOne('blob.bin');
    fake.fault({ on: 'media', closeAfterBytes: 1000 });
    const controller = new AbortController();
    const stream = await provider.read(object, undefined, makeCtx(env, { signal: controller.signal }));
    let received = 0;
    const outcome = new Promise<unknown>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // What the engine's stall deadline does once the bytes stop coming.
        if (received >= 1000) setTimeout(() => controller.abort(new Error('stall deadline')), 50);
      });
      stream.on('error', resolve);
      stream.on('end', () => resolve('ended'));
    });
    const error = await outcome;
    expect(received).toBe(1000);
    expect(error).toMatchObject({ name: 'AbortError', kind: 'Unavailable', retryable: true });
    expect((error as Error).cause).toEqual(new Error('stall deadline'));
    expect(stream.destroyed).toBe(true);
  });

  test('gcs read | destroying one read leaves a parallel read of the same host intact', async () => {
    const big = bytes(3 * 1024 * 1024, 5);
    fake.putObject('data', 'big.bin', big);
    const object = await listOne('big.bin');
    const first = await provider.read(object, undefined, makeCtx(env));
    const second = await provider.read(object, { start: 0, end: big.length }, makeCtx(env));
    await new Promise<void>((resolve) => first.once('data', () => resolve()));
    first.destroy();
    // Before the fix the SDK destroyed its shared keep-alive agent here and `second` never ended.
    expect((await readAll(second)).equals(big)).toBe(true);
  });

  test('gcs read | an already aborted signal rejects without a request', async () => {
    const object = await listOne('blob.bin');
    const controller = new AbortController();
    controller.abort();
    const before = fake.requests.length;
    await expect(provider.read(object, undefined, makeCtx(env, { signal: controller.signal }))).rejects.toMatchObject({ kind: 'Unavailable' });
    expect(fake.requests.length).toBe(before);
  });
});
