import { createHash } from 'node:crypto';
import provider from '../src/provider.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { caught, listAll, readAll, s3rverContext, s3Uri } from './helpers.js';
import { sendError, startStub, type StubServer } from './stub-server.js';

const BUCKET = 'reads';
let server: S3rverHandle;
let stub: StubServer;
const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const ctx = () => s3rverContext(server);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

beforeAll(async () => {
  [server, stub] = await Promise.all([startS3rver({ buckets: [BUCKET] }), startStub()]);
  await server.putObject(BUCKET, 'data.bin', data);
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server?.close(), stub?.close()]);
});

test('read | ranged reads return exactly the bytes asked for, the first byte included', async () => {
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'data.bin'), ctx());
  // bytes=0-0 is served whole by s3rver: the provider keeps only the byte asked for.
  for (const [start, end] of [[0, 1], [0, 4096], [5, 6], [65_000, 140_001], [199_999, 200_000]] as const) {
    const got = await readAll(provider, obj!, { start, end }, ctx());
    expect(got.equals(data.subarray(start, end))).toBe(true);
  }
  expect((await readAll(provider, obj!, undefined, ctx())).equals(data)).toBe(true);
  expect(await readAll(provider, obj!, { start: 10, end: 10 }, ctx())).toHaveLength(0);
});

test('read | an object overwritten after listing fails with VersionChanged, whole or ranged', async () => {
  await server.putObject(BUCKET, 'changing.bin', Buffer.from('first version'));
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'changing.bin'), ctx());
  await server.putObject(BUCKET, 'changing.bin', Buffer.from('second version!'));
  for (const range of [undefined, { start: 0, end: 5 }]) {
    const error = await caught(() => readAll(provider, obj!, range, ctx()));
    expect([error.kind, error.retryable]).toEqual(['VersionChanged', false]);
  }
});

test('read | sends If-Match with the listed ETag, and a 412 answer is VersionChanged', async () => {
  stub.setHandler((_req, res) => sendError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'));
  const obj = { path: 'm.bin', size: 10, location: 'bkt/m.bin', version: '"0123456789abcdef0123456789abcdef"' };
  const error = await caught(() => readAll(provider, obj, { start: 0, end: 10 }, s3rverContext(stub)));
  expect([error.kind, error.retryable, error.status]).toEqual(['VersionChanged', false, 412]);
  const sent = stub.headers.at(-1)!;
  expect(sent['if-match']).toBe(obj.version);
  expect(sent.range).toBe('bytes=0-9');
  expect(stub.requests.at(-1)).toMatch(/^GET \/bkt\/m\.bin(\?|$)/);
});

test('read | a store that answers a ranged GET from the wrong offset is refused, not written at the wrong place', async () => {
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': 10, etag: '"e"' });
    res.end(Buffer.alloc(10, 1));
  });
  const obj = { path: 'm.bin', size: 10, location: 'bkt/m.bin', version: '"e"' };
  const error = await caught(() => readAll(provider, obj, { start: 4, end: 8 }, s3rverContext(stub)));
  expect(error.kind).toBe('Unexpected');
  // From offset 0 the same answer is usable: the first bytes are the ones asked for.
  expect(await readAll(provider, obj, { start: 0, end: 4 }, s3rverContext(stub))).toEqual(Buffer.alloc(4, 1));
});

test('read | under SSE-KMS the ETag is not an MD5, so the md5 checksum is dropped before verification', async () => {
  const body = Buffer.from('kms encrypted bytes');
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': body.length, etag: '"0123456789abcdef0123456789abcdef"', 'x-amz-server-side-encryption': 'aws:kms' });
    res.end(body);
  });
  const obj = {
    path: 'k.bin', size: body.length, location: 'bkt/k.bin', version: '"0123456789abcdef0123456789abcdef"',
    checksums: [{ algorithm: 'md5' as const, value: '0123456789abcdef0123456789abcdef' }],
  };
  expect(await readAll(provider, obj, undefined, s3rverContext(stub))).toEqual(body);
  expect(obj.checksums).toEqual([]);
  // Without SSE-KMS the ETag is the MD5 and stays.
  const plain = { ...obj, checksums: [{ algorithm: 'md5' as const, value: md5(body) }], version: `"${md5(body)}"` };
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': body.length, etag: plain.version });
    res.end(body);
  });
  await readAll(provider, plain, undefined, s3rverContext(stub));
  expect(plain.checksums).toHaveLength(1);
});

test('read | a connection reset mid-body surfaces as a retryable Unavailable stream error', async () => {
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': 100_000, etag: '"e"' });
    res.write(Buffer.alloc(1000), () => res.socket?.destroy());
  });
  const obj = { path: 'r.bin', size: 100_000, location: 'bkt/r.bin', version: '"e"' };
  const error = await caught(() => readAll(provider, obj, undefined, s3rverContext(stub)));
  expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
});

test('read | a body that stalls longer than S3_READ_TIMEOUT fails as retryable Unavailable', async () => {
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': 100, etag: '"e"' });
    res.write(Buffer.alloc(10));
  });
  const obj = { path: 's.bin', size: 100, location: 'bkt/s.bin', version: '"e"' };
  const error = await caught(() => readAll(provider, obj, undefined, s3rverContext(stub, { S3_READ_TIMEOUT: '0.3' })));
  expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
});

test('read | aborting the context signal ends the read with an error', async () => {
  stub.setHandler((_req, res) => {
    res.writeHead(200, { 'content-length': 100, etag: '"e"' });
    res.write(Buffer.alloc(10));
  });
  const controller = new AbortController();
  const obj = { path: 'a.bin', size: 100, location: 'bkt/a.bin', version: '"e"' };
  const stream = await provider.read(obj, undefined, { ...s3rverContext(stub), signal: controller.signal });
  const done = new Promise<unknown>((resolve) => {
    stream.on('error', resolve);
    stream.on('close', () => resolve(undefined));
  });
  stream.resume();
  controller.abort();
  const error = (await done) as { message?: string; kind?: string } | undefined;
  expect(error?.message).toBeTruthy();
  expect(error?.kind).toBe('Unavailable');
});
