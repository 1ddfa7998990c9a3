import provider from '../src/provider.js';
import type { HttpOrigin } from '../../../test/servers/http-origin.js';
import { bytesOf, context, drain, failure, listOne, startFront, useOrigin } from './support/helpers.js';

const body = bytesOf(300_000);
const served = useOrigin(body);
let origin: HttpOrigin;
beforeAll(() => {
  origin = served.origin;
});

const read = async (range?: { start: number; end: number }, env: Record<string, string> = {}) =>
  provider.read(await listOne(`${origin.url}/m/model.bin`), range, context(env));

describe('read', () => {
  test('read | a whole read is pinned with If-Match and returns every byte', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    expect((await drain(await provider.read(obj, undefined, context()))).equals(body)).toBe(true);
    const get = origin.stats.requests.find((r) => r.method === 'GET')!;
    expect([get.headers['if-match'], get.range, get.headers['accept-encoding']]).toEqual([obj.version, undefined, 'identity']);
  });

  test('read | a ranged read sends Range and If-Range and returns exactly end-start bytes', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    const bytes = await drain(await provider.read(obj, { start: 1000, end: 70_000 }, context()));
    expect(bytes.equals(body.subarray(1000, 70_000))).toBe(true);
    const get = origin.stats.requests.find((r) => r.method === 'GET')!;
    expect([get.range, get.headers['if-range'], get.status]).toEqual(['bytes=1000-69999', obj.version, 206]);
  });

  test('read | an object replaced after listing: ranged → VersionChanged (200 to If-Range), whole → VersionChanged (412)', async () => {
    for (const range of [{ start: 0, end: 10 }, undefined]) {
      origin.setFile('/m/model.bin', { body });
      const obj = await listOne(`${origin.url}/m/model.bin`);
      origin.fault('/m/model.bin', { kind: 'replace', afterRequests: 0, body: bytesOf(300_000, 11) });
      const error = await failure(() => provider.read(obj, range, context()));
      expect([error.kind, error.retryable]).toEqual(['VersionChanged', false]);
      expect(error.message).toMatch(/model\.bin changed since it was listed/);
    }
    expect(origin.stats.requests.filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([200, 412]);
  });

  test('read | a Last-Modified version pins with If-Unmodified-Since and checks Last-Modified', async () => {
    origin.setFile('/m/weak.bin', { body, etag: 'W/"weak"' });
    const obj = await listOne(`${origin.url}/m/weak.bin`);
    expect((await drain(await provider.read(obj, { start: 5, end: 10 }, context()))).equals(body.subarray(5, 10))).toBe(true);
    origin.setFile('/m/weak.bin', { body, etag: 'W/"weak"' }); // a new Last-Modified
    const error = await failure(() => provider.read(obj, { start: 5, end: 10 }, context()));
    expect(error.kind).toBe('VersionChanged');
    expect(origin.stats.requests.filter((r) => r.method === 'GET')[0].headers['if-range']).toBeUndefined();
  });

  test('read | a server that ignores Range: the same version is sliced from the full body, with one warning', async () => {
    const front = await startFront(origin.url, { ignoreRange: true });
    try {
      const ctx = context();
      const obj = await listOne(`${front.url}/m/model.bin`);
      for (const range of [{ start: 0, end: 1 }, { start: 150_000, end: 150_010 }, { start: 299_999, end: 300_000 }]) {
        expect((await drain(await provider.read(obj, range, ctx))).equals(body.subarray(range.start, range.end))).toBe(true);
      }
      expect(ctx.logs.filter((l) => l.startsWith('warn') && l.includes('ignores Range requests'))).toHaveLength(1);
      origin.setFile('/m/model.bin', { body: bytesOf(300_000, 3) });
      expect((await failure(() => provider.read(obj, { start: 10, end: 20 }, context()))).kind).toBe('VersionChanged');
    } finally {
      await front.close();
    }
  });

  test('read | a 206 whose Content-Range is not the range asked for → ContentIncomplete', async () => {
    const front = await startFront(origin.url, { contentRange: `bytes 0-9/${body.length}` });
    try {
      const obj = await listOne(`${front.url}/m/model.bin`);
      const error = await failure(() => provider.read(obj, { start: 10, end: 20 }, context()));
      expect([error.kind, error.message]).toEqual(['ContentIncomplete',
        `http: read ${front.url}/m/model.bin: asked for bytes 10-19, the server sent Content-Range "bytes 0-9/${body.length}"`]);
    } finally {
      await front.close();
    }
  });

  test('read | a 206 whose total differs from the listed size → VersionChanged', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    const error = await failure(() => provider.read({ ...obj, size: obj.size + 1 }, { start: 0, end: 10 }, context()));
    expect(error.kind).toBe('VersionChanged');
  });

  test('read | a connection cut mid-body fails the stream with Unavailable, retryable', async () => {
    origin.fault('/m/model.bin', { kind: 'cut', afterBytes: 100_000 });
    const error = await failure(() => read());
    expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
  });

  test('read | a truncated body (Content-Length not reached) fails with Unavailable, retryable', async () => {
    origin.fault('/m/model.bin', { kind: 'truncate', afterBytes: 5000 });
    const error = await failure(() => read({ start: 0, end: 20_000 }));
    expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
  });

  test('read | a stalled body fails on the socket timeout with Unavailable, retryable', async () => {
    origin.fault('/m/model.bin', { kind: 'stall', afterBytes: 1000 });
    const error = await failure(() => read(undefined, { HTTP_READ_TIMEOUT: '0.3' }));
    expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
    expect(error.message).toMatch(/timed out/);
  });

  test('read | ctx.signal aborts the download', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.fault('/m/model.bin', { kind: 'stall', afterBytes: 1000 });
    const controller = new AbortController();
    const stream = await provider.read(obj, undefined, context({}, controller.signal));
    const done = drain(stream).then(() => undefined, (e: unknown) => e as Error & { kind: string });
    controller.abort();
    const error = await done;
    expect(error?.kind).toBe('Unavailable');
    const before = new AbortController();
    before.abort();
    expect((await failure(() => provider.read(obj, undefined, context({}, before.signal)))).kind).toBe('Unavailable');
  });

  test('read | the consumer destroying the stream mid-body closes it quietly, and the next read works', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    const stream = await provider.read(obj, undefined, context());
    const errors: Error[] = [];
    stream.on('error', (e) => errors.push(e));
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    await new Promise<void>((resolve) => stream.once('close', () => resolve()));
    expect(errors).toEqual([]);
    expect((await drain(await provider.read(obj, undefined, context()))).equals(body)).toBe(true);
  });
});
