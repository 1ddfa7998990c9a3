import { createHash } from 'node:crypto';
import provider from '../src/provider.js';
import { startHttpOrigin, type HttpOrigin } from '../../../test/servers/http-origin.js';
import { bytesOf, context, drain, failure, listOne, startFront } from './support/helpers.js';

const body = bytesOf(10_000);
const hex = (algorithm: string, b: Buffer): string => createHash(algorithm).update(b).digest('hex');
let origin: HttpOrigin;

beforeAll(async () => {
  origin = await startHttpOrigin({ files: { '/m/model.bin': { body, contentMd5: true, digest: true } } });
});
afterAll(async () => {
  await provider.close?.();
  await origin.close();
});
beforeEach(() => origin.resetStats());

describe('list', () => {
  test('list | one object: decoded basename without the query, exact size, etag version, type, checksums', async () => {
    origin.setFile('/m/my model ü.bin', { body, contentType: 'application/x-model', contentMd5: true, digest: true });
    const obj = await listOne(`${origin.url}/m/my%20model%20%C3%BC.bin?token=abc&x=1`);
    expect(obj).toEqual({
      path: 'my model ü.bin',
      size: body.length,
      location: `${origin.url}/m/my%20model%20%C3%BC.bin?token=abc&x=1`,
      version: `"${hex('md5', body)}"`,
      contentType: 'application/x-model',
      checksums: [{ algorithm: 'sha256', value: hex('sha256', body) }, { algorithm: 'md5', value: hex('md5', body) }],
    });
    expect(origin.stats.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  test('list | a URL without a file name fails with InvalidConfig, as KServe refuses it', async () => {
    for (const uri of [`${origin.url}/m/`, `${origin.url}/`, `${origin.url}/m/%2e%2e`]) {
      const error = await failure(() => listOne(uri));
      expect([error.kind, error.retryable]).toEqual(['InvalidConfig', false]);
      expect(error.message).toMatch(/has no file name/);
    }
    expect(origin.stats.requests).toHaveLength(0);
  });

  test('list | an encoded slash stays in the name instead of creating a folder', async () => {
    origin.setFile('/m/a%2Fb.bin', { body });
    expect((await listOne(`${origin.url}/m/a%2Fb.bin`)).path).toBe('a%2Fb.bin');
  });

  test('list | a weak ETag is not a version: Last-Modified is', async () => {
    origin.setFile('/m/weak.bin', { body, etag: 'W/"abc"' });
    const obj = await listOne(`${origin.url}/m/weak.bin`);
    expect(Number.isNaN(Date.parse(obj.version!))).toBe(false);
    expect(obj.checksums).toBeUndefined();
  });

  test('list | follows a 301 → 302 → 307 chain; the location is the final URL, the name the original basename', async () => {
    origin.setFile('/store/blob-123', { body });
    origin.redirect('/dl/model.onnx', '/hop/1', 301);
    origin.redirect('/hop/1', `${origin.url}/hop/2`, 302);
    origin.redirect('/hop/2', '/store/blob-123', 307);
    const ctx = context();
    const obj = await listOne(`${origin.url}/dl/model.onnx`, ctx);
    expect([obj.path, obj.size, obj.location]).toEqual(['model.onnx', body.length, `${origin.url}/store/blob-123`]);
    expect(ctx.logs.some((l) => l.includes('/dl/model.onnx redirects to') && l.includes('/store/blob-123'))).toBe(true);
    expect((await drain(await provider.read(obj, undefined, context()))).equals(body)).toBe(true);
  });

  test('list | HEAD refused (405, 501, 403) → the size comes from a 1-byte ranged GET', async () => {
    for (const status of [405, 501, 403]) {
      const front = await startFront(origin.url, { refuseHead: status });
      try {
        origin.resetStats();
        const obj = await listOne(`${front.url}/m/model.bin`);
        expect([obj.size, obj.version]).toEqual([body.length, `"${hex('md5', body)}"`]);
        expect(obj.checksums).toEqual([{ algorithm: 'sha256', value: hex('sha256', body) }]); // Content-MD5 of a part is not the object's
        expect(origin.stats.requests.map((r) => [r.method, r.range])).toEqual([['GET', 'bytes=0-0']]);
      } finally {
        await front.close();
      }
    }
  });

  test('list | a HEAD without Content-Length → the size comes from Content-Range of a 1-byte GET', async () => {
    const front = await startFront(origin.url, { headWithoutLength: true });
    try {
      const obj = await listOne(`${front.url}/m/model.bin`);
      expect(obj.size).toBe(body.length);
      expect(obj.checksums?.map((c) => c.algorithm).sort()).toEqual(['md5', 'sha256']); // from the HEAD
    } finally {
      await front.close();
    }
  });

  test('list | no length anywhere (chunked, no ranges) → size -1, and the whole read still works', async () => {
    origin.setFile('/dyn/report.bin', { body, noLength: true });
    const obj = await listOne(`${origin.url}/dyn/report.bin`);
    expect(obj.size).toBe(-1);
    expect((await drain(await provider.read(obj, undefined, context()))).equals(body)).toBe(true);
  });

  test('list | an empty file has size 0 (416 to a 1-byte GET)', async () => {
    origin.setFile('/m/empty.bin', { body: Buffer.alloc(0) });
    const front = await startFront(origin.url, { headWithoutLength: true });
    try {
      expect((await listOne(`${front.url}/m/empty.bin`)).size).toBe(0);
    } finally {
      await front.close();
    }
  });
});

describe('list with HTTP_STRICT_CONTENT_TYPE', () => {
  const strict = () => context({ HTTP_STRICT_CONTENT_TYPE: 'true' });

  test('list | any content type is accepted by default (kserve#2938)', async () => {
    origin.setFile('/t/page.bin', { body, contentType: 'text/html; charset=utf-8' });
    expect((await listOne(`${origin.url}/t/page.bin`)).contentType).toBe('text/html; charset=utf-8');
  });

  test('list | strict: octet-stream passes, another type fails with InvalidConfig naming the type received', async () => {
    origin.setFile('/t/ok.bin', { body, contentType: 'application/octet-stream' });
    expect((await listOne(`${origin.url}/t/ok.bin`, strict())).path).toBe('ok.bin');
    origin.setFile('/t/page.bin', { body, contentType: 'text/html; charset=utf-8' });
    const error = await failure(() => listOne(`${origin.url}/t/page.bin`, strict()));
    expect([error.kind, error.retryable]).toEqual(['InvalidConfig', false]);
    expect(error.message).toMatch(/Content-Type "text\/html; charset=utf-8".*requires application\/octet-stream/);
  });

  test('list | strict: archives need their own types, as KServe checks them', async () => {
    origin.setFile('/t/model.zip', { body, contentType: 'application/zip' });
    origin.setFile('/t/model.tar.gz', { body, contentType: 'application/gzip' });
    origin.setFile('/t/bad.tgz', { body, contentType: 'application/octet-stream' });
    expect((await listOne(`${origin.url}/t/model.zip`, strict())).path).toBe('model.zip');
    expect((await listOne(`${origin.url}/t/model.tar.gz`, strict())).path).toBe('model.tar.gz');
    const error = await failure(() => listOne(`${origin.url}/t/bad.tgz`, strict()));
    expect(error.message).toMatch(/"application\/octet-stream".*application\/x-tar/);
  });

  test('list | HTTP_STRICT_CONTENT_TYPE must be a boolean', async () => {
    const error = await failure(() => listOne(`${origin.url}/m/model.bin`, context({ HTTP_STRICT_CONTENT_TYPE: 'sometimes' })));
    expect([error.kind, error.message]).toEqual(['InvalidConfig', 'http: HTTP_STRICT_CONTENT_TYPE must be true or false, got "sometimes"']);
  });
});
