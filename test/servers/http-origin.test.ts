import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpOrigin, type HttpOrigin } from './http-origin.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Set when the response did not complete (socket cut, truncated). */
  error?: string;
}

/** A plain node:http request that collects whatever arrives, even from a cut response. */
function call(base: string, method: string, path: string, headers: Record<string, string> = {}, ca?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method, headers, agent: false, ca }, (res) => {
      const chunks: Buffer[] = [];
      const done = (error?: string): void =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.complete ? undefined : 'incomplete'));
      res.on('error', (e) => done(e.message));
      res.on('aborted', () => done('aborted'));
    });
    req.on('error', reject);
    req.end();
  });
}

const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + 3) % 251));
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('http-origin', () => {
  let origin: HttpOrigin;
  const get = (path: string, headers?: Record<string, string>): Promise<Reply> => call(origin.url, 'GET', path, headers);

  beforeAll(async () => {
    origin = await startHttpOrigin({ files: { '/m/model.bin': { body, contentMd5: true, digest: true } } });
  });
  afterAll(async () => origin.close());
  beforeEach(() => {
    origin.clearFaults();
    origin.resetStats();
  });

  test('http-origin | GET serves the file with ETag, Last-Modified, type and length; HEAD has no body', async () => {
    const r = await get('/m/model.bin');
    expect(r.status).toBe(200);
    expect(r.body.equals(body)).toBe(true);
    expect(r.headers.etag).toBe(`"${md5(body)}"`);
    expect(r.headers['content-length']).toBe(String(body.length));
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(Number.isNaN(Date.parse(r.headers['last-modified']!))).toBe(false);
    expect(r.headers['content-md5']).toBe(createHash('md5').update(body).digest('base64'));
    expect(r.headers.digest).toBe(`sha-256=${createHash('sha256').update(body).digest('base64')}`);
    const h = await call(origin.url, 'HEAD', '/m/model.bin');
    expect(h.status).toBe(200);
    expect(h.body.length).toBe(0);
    expect(h.headers['content-length']).toBe(String(body.length));
    expect(origin.stats.requests.map((q) => [q.method, q.path, q.status])).toEqual([['GET', '/m/model.bin', 200], ['HEAD', '/m/model.bin', 200]]);
    expect(origin.stats.bodyBytesSent).toBe(body.length);
  });

  test('http-origin | single ranges: closed, open-ended, suffix; 416 when unsatisfiable; multiple ranges ignored', async () => {
    const closed = await get('/m/model.bin', { Range: 'bytes=10-19' });
    expect([closed.status, closed.headers['content-range']]).toEqual([206, `bytes 10-19/${body.length}`]);
    expect(closed.body.equals(body.subarray(10, 20))).toBe(true);
    expect(closed.headers['content-md5']).toBeUndefined();
    const open = await get('/m/model.bin', { Range: 'bytes=199990-' });
    expect(open.body.equals(body.subarray(199_990))).toBe(true);
    const suffix = await get('/m/model.bin', { Range: 'bytes=-5' });
    expect([suffix.status, suffix.body.equals(body.subarray(body.length - 5))]).toEqual([206, true]);
    const past = await get('/m/model.bin', { Range: `bytes=${body.length}-` });
    expect([past.status, past.headers['content-range']]).toEqual([416, `bytes */${body.length}`]);
    const multi = await get('/m/model.bin', { Range: 'bytes=0-1,5-6' });
    expect([multi.status, multi.body.length]).toEqual([200, body.length]);
    expect(origin.stats.requests[0].range).toBe('bytes=10-19');
  });

  test('http-origin | If-Range with the etag gives 206, another etag a full 200; If-Match mismatch gives 412', async () => {
    const etag = `"${md5(body)}"`;
    expect((await get('/m/model.bin', { Range: 'bytes=0-0', 'If-Range': etag })).status).toBe(206);
    const changed = await get('/m/model.bin', { Range: 'bytes=0-0', 'If-Range': '"other"' });
    expect([changed.status, changed.body.length]).toEqual([200, body.length]);
    expect((await get('/m/model.bin', { 'If-Match': '"other"' })).status).toBe(412);
    expect((await get('/m/model.bin', { 'If-Match': etag })).status).toBe(200);
  });

  test('http-origin | noLength files are chunked, without length on GET or HEAD, and ignore ranges', async () => {
    origin.setFile('/dyn/stream.bin', { body: body.subarray(0, 1000), noLength: true, contentType: 'text/plain' });
    const r = await get('/dyn/stream.bin', { Range: 'bytes=0-0' });
    expect([r.status, r.headers['content-length'], r.headers['transfer-encoding']]).toEqual([200, undefined, 'chunked']);
    expect(r.body.equals(body.subarray(0, 1000))).toBe(true);
    expect(r.headers['content-type']).toBe('text/plain');
    const h = await call(origin.url, 'HEAD', '/dyn/stream.bin');
    expect([h.status, h.headers['content-length'], h.headers['accept-ranges']]).toEqual([200, undefined, 'none']);
  });

  test('http-origin | status fault answers GETs `times` times with Retry-After, HEAD untouched, then serves', async () => {
    origin.fault('/m/model.bin', { kind: 'status', status: 503, times: 2, retryAfter: 3 });
    expect((await call(origin.url, 'HEAD', '/m/model.bin')).status).toBe(200);
    const first = await get('/m/model.bin');
    expect([first.status, first.headers['retry-after']]).toEqual([503, '3']);
    expect((await get('/m/model.bin')).status).toBe(503);
    expect((await get('/m/model.bin')).status).toBe(200);
  });

  test('http-origin | cut destroys the socket after N body bytes, once', async () => {
    origin.fault('/m/model.bin', { kind: 'cut', afterBytes: 70_000 });
    const r = await get('/m/model.bin');
    expect(r.error).toBeDefined();
    expect(r.body.length).toBe(70_000);
    expect(r.body.equals(body.subarray(0, 70_000))).toBe(true);
    expect((await get('/m/model.bin')).body.equals(body)).toBe(true);
  });

  test('http-origin | a fault skips GETs it cannot affect: a short range does not consume a cut', async () => {
    origin.fault('/m/model.bin', { kind: 'cut', afterBytes: 100 });
    expect((await get('/m/model.bin', { Range: 'bytes=0-49' })).error).toBeUndefined();
    expect((await get('/m/model.bin', { Range: 'bytes=0-199' })).body.length).toBe(100);
  });

  test('http-origin | truncate ends the response early while Content-Length stays full', async () => {
    origin.fault('/m/model.bin', { kind: 'truncate', afterBytes: 1234 });
    const r = await get('/m/model.bin');
    expect(r.headers['content-length']).toBe(String(body.length));
    expect(r.body.length).toBe(1234);
    expect(r.error).toBeDefined();
  });

  test('http-origin | corrupt flips the byte at an object offset, inside a range too', async () => {
    origin.fault('/m/model.bin', { kind: 'corrupt', at: 150_000 });
    const r = await get('/m/model.bin', { Range: 'bytes=149990-150009' });
    expect(r.body[10]).toBe(body[150_000] ^ 0xff);
    expect(Buffer.concat([r.body.subarray(0, 10), r.body.subarray(11)]).equals(Buffer.concat([body.subarray(149_990, 150_000), body.subarray(150_001, 150_010)]))).toBe(true);
    expect((await get('/m/model.bin', { Range: 'bytes=149990-150009' })).body.equals(body.subarray(149_990, 150_010))).toBe(true);
  });

  test('http-origin | replace changes body and etag after N GETs', async () => {
    const next = Buffer.from('version two');
    origin.setFile('/r/obj.bin', { body: Buffer.from('version one') });
    origin.fault('/r/obj.bin', { kind: 'replace', afterRequests: 1, body: next });
    const a = await get('/r/obj.bin');
    const b = await get('/r/obj.bin');
    expect(a.body.toString()).toBe('version one');
    expect(b.body.toString()).toBe('version two');
    expect(b.headers.etag).toBe(`"${md5(next)}"`);
    expect(b.headers['last-modified']).not.toBe(a.headers['last-modified']);
  });

  test('http-origin | redirects, required headers, 404 after removeFile, 405 for other methods, encoded paths', async () => {
    origin.redirect('/old', '/m/model.bin', 301);
    const moved = await get('/old');
    expect([moved.status, moved.headers.location]).toEqual([301, '/m/model.bin']);
    origin.setFile('/dir/my model ü.bin', { body: Buffer.from('x') });
    expect((await get('/dir/my%20model%20%C3%BC.bin')).body.toString()).toBe('x');
    origin.removeFile('/dir/my model ü.bin');
    expect((await get('/dir/my%20model%20%C3%BC.bin')).status).toBe(404);
    expect((await call(origin.url, 'PUT', '/m/model.bin')).status).toBe(405);
    origin.requireHeaders({ 'X-Token': 'abc' });
    try {
      expect((await get('/m/model.bin')).status).toBe(401);
      expect((await get('/m/model.bin', { 'x-token': 'nope' })).status).toBe(403);
      expect((await get('/m/model.bin', { 'X-Token': 'abc' })).status).toBe(200);
    } finally {
      origin.requireHeaders({});
    }
  });

  test('http-origin | stall keeps the socket open after N bytes until close() destroys it', async () => {
    const own = await startHttpOrigin({ files: { '/s.bin': { body } } });
    own.fault('/s.bin', { kind: 'stall', afterBytes: 5000 });
    let received = 0;
    const ended = new Promise<string>((resolve) => {
      http.get(`${own.url}/s.bin`, { agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          received += c.length;
          if (received === 5000) void own.close(); // everything before the stall arrived: now shut down
        });
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('aborted'));
        res.on('end', () => resolve(res.complete ? 'complete' : 'incomplete'));
      }).on('error', () => resolve('request error'));
    });
    expect(await ended).not.toBe('complete');
    expect(received).toBe(5000);
  });

  test('http-origin | serves https with the given key and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'origin-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const secure = await startHttpOrigin({ tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert }, files: { 'a.bin': { body: Buffer.from('tls') } } });
      try {
        expect(secure.url.startsWith('https://127.0.0.1:')).toBe(true);
        const r = await call(secure.url, 'GET', '/a.bin', {}, cert);
        expect(r.body.toString()).toBe('tls');
      } finally {
        await secure.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
