/**
 * readInto(): the socket-level path (socket-get.ts) for the common answer, and the replay through got
 * for everything else. The origin records each request's raw header names: the socket path writes
 * `host` first and in lower case, Node's HTTP client (under got) writes `Host`, so a test can tell
 * which client sent a request.
 */
import type { BodySink, ByteRange, RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';
import { parseHead } from '../src/socket-get.js';
import { startHttpOrigin, type HttpOrigin, type OriginRequest } from '../../../test/servers/http-origin.js';
import { bytesOf, context, failure, listOne, makeCertificate, startFront, useOrigin } from './support/helpers.js';

const body = bytesOf(700_000, 11);
const served = useOrigin(body);
let origin: HttpOrigin;
beforeAll(() => {
  origin = served.origin;
});
beforeEach(async () => {
  await provider.close?.(); // every test starts without pooled connections
});

/** A sink that copies what it is given and, every `every`-th write, makes the provider wait a tick. */
function collector(every = 4): { sink: BodySink; bytes(): Buffer; waits: number } {
  const chunks: Buffer[] = [];
  let calls = 0;
  const state = {
    waits: 0,
    sink: {
      write(data: Uint8Array) {
        chunks.push(Buffer.from(data));
        if (++calls % every !== 0) return undefined;
        state.waits += 1;
        return new Promise<void>((resolve) => setTimeout(resolve, 1));
      },
    },
    bytes: () => Buffer.concat(chunks),
  };
  return state;
}

async function readInto(obj: RemoteObject, range?: ByteRange, env: Record<string, string> = {}): Promise<Buffer> {
  const out = collector();
  await provider.readInto!(obj, range, out.sink, context(env));
  return out.bytes();
}

const gets = (): OriginRequest[] => origin.stats.requests.filter((r) => r.method === 'GET');
const viaSocket = (r: OriginRequest): boolean => r.rawHeaderNames[0] === 'host';

describe('parseHead', () => {
  test('head | status, reason, lowercase headers, repeats joined; anything else is refused', () => {
    const head = parseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nX-A: 1\r\nx-a: 2\r\nConstructor: c');
    expect(head).toEqual({ version: '1.1', status: 206, reason: 'Partial Content', headers: expect.objectContaining({ 'content-length': '10', 'x-a': '1, 2', constructor: 'c' }) });
    expect(parseHead('HTTP/1.0 200')?.version).toBe('1.0');
    expect(parseHead('HTTP/2 200 OK')).toBeUndefined();
    expect(parseHead('HTTP/1.1 200 OK\r\nno colon here')).toBeUndefined();
  });
});

describe('readInto', () => {
  test('socket | whole and ranged reads are byte-exact, pinned like read(), over one kept-alive connection', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.resetStats();
    const whole = collector(2);
    await provider.readInto!(obj, undefined, whole.sink, context());
    expect(whole.bytes().equals(body)).toBe(true);
    expect(whole.waits).toBeGreaterThan(0); // the socket path waited for the sink at least once
    for (const range of [{ start: 0, end: 1 }, { start: 65_530, end: 400_001 }, { start: body.length - 1, end: body.length }]) {
      expect((await readInto(obj, range)).equals(body.subarray(range.start, range.end))).toBe(true);
    }
    expect(gets().map(viaSocket)).toEqual([true, true, true, true]);
    expect(gets().map((r) => [r.headers['if-match'], r.headers['if-range'], r.range])).toEqual([
      [obj.version, undefined, undefined],
      [undefined, obj.version, 'bytes=0-0'],
      [undefined, obj.version, 'bytes=65530-400000'],
      [undefined, obj.version, `bytes=${body.length - 1}-${body.length - 1}`],
    ]);
    expect(gets().every((r) => r.headers['accept-encoding'] === 'identity' && r.headers['user-agent'] === 'mr-init provider-http')).toBe(true);
    expect(origin.stats.connections).toBe(1);
  });

  test('socket | a connection the server closed while idle is replaced without an error', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    expect((await readInto(obj, { start: 0, end: 1000 })).equals(body.subarray(0, 1000))).toBe(true);
    origin.resetStats();
    origin.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readInto(obj, { start: 1000, end: 2000 })).equals(body.subarray(1000, 2000))).toBe(true);
    expect(gets().map(viaSocket)).toEqual([true]);
    expect(origin.stats.connections).toBe(1);
  });

  test('socket | <host>-headers travel on the socket path too', async () => {
    origin.requireHeaders({ authorization: 'Bearer s3cret' });
    try {
      const env = { '127.0.0.1-headers': '{"Authorization": "Bearer s3cret"}' };
      const obj = await listOne(`${origin.url}/m/model.bin`, context(env));
      expect((await readInto(obj, { start: 5, end: 50_000 }, env)).equals(body.subarray(5, 50_000))).toBe(true);
      expect(gets().filter(viaSocket).map((r) => r.status)).toEqual([206]);
    } finally {
      origin.requireHeaders({});
    }
  });

  test('replay | an error status is replayed through got and fails as read() does', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.resetStats();
    origin.fault('/m/model.bin', { kind: 'status', status: 503, times: 2, retryAfter: 7 });
    const error = await failure(() => readInto(obj, { start: 0, end: 10 }));
    expect([error.kind, error.retryable, error.retryAfterMs, error.status]).toEqual(['Unavailable', true, 7000, 503]);
    expect(gets().map(viaSocket)).toEqual([true, false]);
    origin.removeFile('/m/model.bin');
    expect((await failure(() => readInto(obj))).kind).toBe('NotFound');
  });

  test('replay | a redirect is followed through got, and later reads of that URL go straight to got', async () => {
    // Listing follows redirects (the object's location is where it ended): redirect only after it.
    origin.setFile('/r/model.bin', { body });
    const obj = await listOne(`${origin.url}/r/model.bin`);
    origin.redirect('/r/model.bin', '/m/model.bin');
    origin.resetStats();
    expect((await readInto(obj, { start: 10, end: 20_000 })).equals(body.subarray(10, 20_000))).toBe(true);
    expect(gets().map((r) => [r.path, viaSocket(r)])).toEqual([['/r/model.bin', true], ['/r/model.bin', false], ['/m/model.bin', false]]);
    origin.resetStats();
    expect((await readInto(obj, { start: 20_000, end: 30_000 })).equals(body.subarray(20_000, 30_000))).toBe(true);
    expect(gets().map(viaSocket)).toEqual([false, false]);
  });

  test('replay | a server that ignores ranges still yields exactly the range (through got)', async () => {
    const front = await startFront(origin.url, { ignoreRange: true });
    try {
      const obj = await listOne(`${front.url}/m/model.bin`);
      expect((await readInto(obj, { start: 300_000, end: 300_100 })).equals(body.subarray(300_000, 300_100))).toBe(true);
    } finally {
      await front.close();
    }
  });

  test('replay | an object replaced since listing fails with VersionChanged, ranged or whole', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.setFile('/m/model.bin', { body: bytesOf(700_000, 12) });
    for (const range of [undefined, { start: 0, end: 100 }]) {
      const error = await failure(() => readInto(obj, range));
      expect([error.kind, error.retryable]).toEqual(['VersionChanged', false]);
    }
  });

  test('faults | a body cut mid-way fails retryably; the next read works on a new connection', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.fault('/m/model.bin', { kind: 'cut', afterBytes: 100_000 });
    const out = collector();
    const error = await failure(() => provider.readInto!(obj, { start: 0, end: 600_000 }, out.sink, context()));
    expect(error.retryable).toBe(true);
    expect(out.bytes().equals(body.subarray(0, out.bytes().length))).toBe(true); // what arrived is good: the engine keeps it
    expect((await readInto(obj, { start: 0, end: 600_000 })).equals(body.subarray(0, 600_000))).toBe(true);
  });

  test('faults | a stalled body times out (HTTP_READ_TIMEOUT), an aborted read stops at once', async () => {
    const obj = await listOne(`${origin.url}/m/model.bin`);
    origin.fault('/m/model.bin', { kind: 'stall', afterBytes: 50_000 });
    const stalled = await failure(() => readInto(obj, undefined, { HTTP_READ_TIMEOUT: '0.3' }));
    expect([stalled.kind, stalled.retryable]).toEqual(['Unavailable', true]);
    expect(stalled.message).toMatch(/timed out/);

    origin.fault('/m/model.bin', { kind: 'stall', afterBytes: 50_000 });
    const stop = new AbortController();
    const pending = failure(() => provider.readInto!(obj, undefined, collector().sink, context({}, stop.signal)));
    setTimeout(() => stop.abort(new Error('stop')), 100);
    const aborted = await pending;
    expect([aborted.kind, aborted.retryable]).toEqual(['Unavailable', true]);
    expect(aborted.message).toMatch(/aborted/);
  });

  test('tls | https reads go over the socket path, trusting CA_BUNDLE_* as got does', async () => {
    const cert = makeCertificate();
    const secure = await startHttpOrigin({ tls: { key: cert.key, cert: cert.cert }, files: { '/s/model.bin': { body } } });
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${cert.dir}/cabundle.crt`, cert.cert);
      const env = { CA_BUNDLE_CONFIGMAP_NAME: 'custom-ca', CA_BUNDLE_VOLUME_MOUNT_POINT: cert.dir };
      const obj = await listOne(`${secure.url}/s/model.bin`, context(env));
      expect((await readInto(obj, { start: 7, end: 300_007 }, env)).equals(body.subarray(7, 300_007))).toBe(true);
      expect(secure.stats.requests.filter((r) => r.method === 'GET').map(viaSocket)).toEqual([true]);
      await provider.close?.();
      const untrusted = await failure(() => readInto(obj, { start: 0, end: 10 }));
      expect(untrusted.kind).toBe('InvalidConfig');
    } finally {
      await provider.close?.();
      await secure.close();
      cert.cleanup();
    }
  });
});
