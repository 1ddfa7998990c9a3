/** The fake GCS speaks the wire protocol on its own: what the SDK-level tests do not exercise. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startFakeGcs, type FakeGcs } from './index.js';

let fake: FakeGcs;

beforeAll(async () => {
  fake = await startFakeGcs();
  for (const name of ['m/a.bin', 'm/sub/b.bin', 'm/sub/c.bin', 'm/z.bin', 'other.bin']) fake.putObject('proto', name, Buffer.from(`bytes of ${name}`));
});
afterAll(async () => {
  await fake.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: () => Promise<any>; body: Buffer }> {
  const res = await fetch(`${fake.url}${path}`, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, json: async () => JSON.parse(body.toString('utf8')) };
}

describe('fake gcs', () => {
  test('fake gcs | delimiter listing returns prefixes, and pages cover prefixes and items in byte order', async () => {
    const first = await (await get('/storage/v1/b/proto/o?prefix=m%2F&delimiter=%2F&maxResults=2')).json();
    expect(first.items.map((i: { name: string }) => i.name)).toEqual(['m/a.bin']);
    expect(first.prefixes).toEqual(['m/sub/']);
    const second = await (await get(`/storage/v1/b/proto/o?prefix=m%2F&delimiter=%2F&maxResults=2&pageToken=${first.nextPageToken}`)).json();
    expect(second.items.map((i: { name: string }) => i.name)).toEqual(['m/z.bin']);
    expect(second.nextPageToken).toBeUndefined();
  });

  test('fake gcs | object resources carry the JSON API fields, sizes as strings', async () => {
    const meta = await (await get('/storage/v1/b/proto/o/m%2Fa.bin')).json();
    expect(meta).toMatchObject({ kind: 'storage#object', name: 'm/a.bin', bucket: 'proto', size: String('bytes of m/a.bin'.length), metageneration: '1' });
    for (const field of ['id', 'generation', 'md5Hash', 'crc32c', 'etag', 'selfLink', 'mediaLink', 'updated', 'timeCreated', 'contentType']) expect(meta[field]).toBeTruthy();
    const viaMediaLink = await get(new URL(meta.mediaLink).pathname + new URL(meta.mediaLink).search);
    expect(viaMediaLink.body.toString()).toBe('bytes of m/a.bin');
  });

  test('fake gcs | media: ranges, 206 with Content-Range, hashes and generation headers; 416 past the end', async () => {
    const res = await get('/storage/v1/b/proto/o/m%2Fa.bin?alt=media', { Range: 'bytes=2-5' });
    expect(res.status).toBe(206);
    expect(res.body.toString()).toBe('tes ');
    expect(res.headers.get('content-range')).toBe(`bytes 2-5/${'bytes of m/a.bin'.length}`);
    expect(res.headers.get('x-goog-hash')).toMatch(/^crc32c=[A-Za-z0-9+/]{6}==,md5=[A-Za-z0-9+/]{22}==$/);
    expect(res.headers.get('x-goog-generation')).toMatch(/^\d+$/);
    expect(res.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    expect((await get('/storage/v1/b/proto/o/m%2Fa.bin?alt=media', { Range: 'bytes=-3' })).body.toString()).toBe('bin');
    expect((await get('/storage/v1/b/proto/o/m%2Fa.bin?alt=media', { Range: 'bytes=9999-' })).status).toBe(416);
  });

  test('fake gcs | preconditions and generations: 412 on ifGenerationMatch, 404 on an old generation', async () => {
    const meta = await (await get('/storage/v1/b/proto/o/other.bin')).json();
    expect((await get(`/storage/v1/b/proto/o/other.bin?ifGenerationMatch=${meta.generation}`)).status).toBe(200);
    const mismatch = await get('/storage/v1/b/proto/o/other.bin?ifGenerationMatch=1');
    expect(mismatch.status).toBe(412);
    expect((await mismatch.json()).error.errors[0].reason).toBe('conditionNotMet');
    expect((await get('/storage/v1/b/proto/o/other.bin?alt=media&generation=1')).status).toBe(404);
  });

  test('fake gcs | errors are GCS JSON errors: missing bucket, missing object, injected status', async () => {
    const bucket = await get('/storage/v1/b/nope/o');
    expect(bucket.status).toBe(404);
    expect(await bucket.json()).toEqual({ error: { code: 404, message: 'The specified bucket does not exist.', errors: [{ message: 'The specified bucket does not exist.', domain: 'global', reason: 'notFound' }] } });
    expect((await (await get('/storage/v1/b/proto/o/missing')).json()).error.message).toBe('No such object: proto/missing');
    fake.fault({ on: 'metadata', status: 503, times: 2 });
    expect((await get('/storage/v1/b/proto/o/other.bin')).status).toBe(503);
    expect((await get('/storage/v1/b/proto/o/other.bin')).status).toBe(503);
    expect((await get('/storage/v1/b/proto/o/other.bin')).status).toBe(200);
  });

  test('fake gcs | the token endpoint refuses a malformed grant', async () => {
    const res = await fetch(fake.tokenUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=not.a.jwt' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
