import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import provider from '../src/provider.js';
import { startHttpOrigin, type HttpOrigin } from '../../../test/servers/http-origin.js';
import { bytesOf, context, drain, failure, listOne, makeCertificate, startConnectProxy } from './support/helpers.js';

const body = bytesOf(5000);
let origin: HttpOrigin;
let other: HttpOrigin;

beforeAll(async () => {
  origin = await startHttpOrigin({ files: { '/m/model.bin': { body } } });
  other = await startHttpOrigin({ files: { '/elsewhere/model.bin': { body } } });
});
afterAll(async () => {
  await provider.close?.();
  await Promise.all([origin.close(), other.close()]);
});
beforeEach(() => {
  origin.resetStats();
  other.resetStats();
});

describe('headers from <hostname>-headers', () => {
  test('headers | the JSON object is sent with every request to that host, HEAD and GET', async () => {
    origin.requireHeaders({ 'X-Api-Key': 'key-123', Authorization: 'Bearer tok' });
    try {
      const ctx = context({ '127.0.0.1-headers': JSON.stringify({ 'X-Api-Key': 'key-123', Authorization: 'Bearer tok' }) });
      const obj = await listOne(`${origin.url}/m/model.bin`, ctx);
      expect((await drain(await provider.read(obj, { start: 0, end: 100 }, ctx))).equals(body.subarray(0, 100))).toBe(true);
      expect(origin.stats.requests.map((r) => [r.method, r.status])).toEqual([['HEAD', 200], ['GET', 206]]);
      expect((await failure(() => listOne(`${origin.url}/m/model.bin`))).kind).toBe('PermissionDenied');
    } finally {
      origin.requireHeaders({});
    }
  });

  test('headers | a redirect to another host drops this host\'s headers and sends that host\'s own', async () => {
    origin.redirect('/to-other/model.bin', `http://localhost:${other.port}/elsewhere/model.bin`, 302);
    const ctx = context({
      '127.0.0.1-headers': JSON.stringify({ 'X-Secret': 'for-origin-only', Authorization: 'Bearer origin' }),
      'localhost-headers': JSON.stringify({ 'X-Other': 'for-localhost' }),
    });
    const obj = await listOne(`${origin.url}/to-other/model.bin`, ctx);
    expect(obj.location).toBe(`http://localhost:${other.port}/elsewhere/model.bin`);
    await drain(await provider.read(obj, undefined, ctx));
    expect(origin.stats.requests[0].headers['x-secret']).toBe('for-origin-only');
    for (const request of other.stats.requests) {
      expect([request.headers['x-secret'], request.headers.authorization, request.headers['x-other']]).toEqual([undefined, undefined, 'for-localhost']);
    }
    expect(other.stats.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  test('headers | invalid JSON → InvalidConfig naming the variable, never the value', async () => {
    const error = await failure(() => listOne(`${origin.url}/m/model.bin`, context({ '127.0.0.1-headers': '{"Authorization": "Bearer SECRET-VALUE"' })));
    expect([error.kind, error.retryable]).toEqual(['InvalidConfig', false]);
    expect(error.message).toMatch(/^http: 127\.0\.0\.1-headers is not valid JSON/);
    expect(error.message).not.toMatch(/SECRET-VALUE/);
    const array = await failure(() => listOne(`${origin.url}/m/model.bin`, context({ '127.0.0.1-headers': '["SECRET-VALUE"]' })));
    expect(array.message).toBe('http: 127.0.0.1-headers must be a JSON object of header names to values, got a JSON array');
    const nested = await failure(() => listOne(`${origin.url}/m/model.bin`, context({ '127.0.0.1-headers': '{"X-A": {"v": "SECRET-VALUE"}}' })));
    expect(nested.message).toBe('http: 127.0.0.1-headers: the value of header "X-A" must be a string');
  });

  test('headers | a STORAGE_CONFIG setting wins over the environment variable', async () => {
    origin.requireHeaders({ 'X-Api-Key': 'from-settings' });
    try {
      const ctx = { ...context({ '127.0.0.1-headers': '{"X-Api-Key": "from-env"}' }), settings: { '127.0.0.1-headers': { 'X-Api-Key': 'from-settings' } } };
      expect((await listOne(`${origin.url}/m/model.bin`, ctx)).size).toBe(body.length);
    } finally {
      origin.requireHeaders({});
    }
  });
});

describe('proxies', () => {
  test('proxy | HTTP_PROXY tunnels list and read through the proxy', async () => {
    const proxy = await startConnectProxy();
    try {
      const ctx = context({ HTTP_PROXY: proxy.url });
      const obj = await listOne(`${origin.url}/m/model.bin`, ctx);
      expect((await drain(await provider.read(obj, undefined, ctx))).equals(body)).toBe(true);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      expect(new Set(proxy.tunnels)).toEqual(new Set([`127.0.0.1:${origin.port}`]));
      expect(origin.stats.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
      // readInto() too: its socket path is direct-only, so a proxied URL takes got's path, through the tunnel.
      const tunnels = proxy.tunnels.length;
      const chunks: Buffer[] = [];
      await provider.readInto!(obj, { start: 3, end: 3000 }, { write: (data) => void chunks.push(Buffer.from(data)) }, ctx);
      expect(Buffer.concat(chunks).equals(body.subarray(3, 3000))).toBe(true);
      expect(origin.stats.requests.map((r) => r.method)).toEqual(['HEAD', 'GET', 'GET']);
      expect(proxy.tunnels.length).toBeGreaterThanOrEqual(tunnels);
      expect(origin.stats.requests[2]!.rawHeaderNames[0]).not.toBe('host');
    } finally {
      await provider.close?.();
      await proxy.close();
    }
  });

  test('proxy | NO_PROXY bypasses the proxy by host, by host:port, or with *; another port still goes through', async () => {
    const proxy = await startConnectProxy();
    try {
      for (const noProxy of ['127.0.0.1', `example.com, 127.0.0.1:${origin.port}`, '*', '127.0.0.0/8']) {
        await listOne(`${origin.url}/m/model.bin`, context({ http_proxy: proxy.url, NO_PROXY: noProxy }));
      }
      expect(proxy.tunnels).toEqual([]);
      await listOne(`${origin.url}/m/model.bin`, context({ HTTP_PROXY: proxy.url, no_proxy: '127.0.0.1:1' }));
      expect(proxy.tunnels).toEqual([`127.0.0.1:${origin.port}`]);
    } finally {
      await provider.close?.();
      await proxy.close();
    }
  });

  test('proxy | credentials in the proxy URL are sent; a refusal is PermissionDenied with a proxy hint', async () => {
    const proxy = await startConnectProxy({ auth: 'user:p@ss' });
    try {
      const withAuth = proxy.url.replace('http://', 'http://user:p%40ss@');
      expect((await listOne(`${origin.url}/m/model.bin`, context({ HTTP_PROXY: withAuth }))).size).toBe(body.length);
      const error = await failure(() => listOne(`${origin.url}/m/model.bin`, context({ HTTP_PROXY: proxy.url })));
      expect([error.kind, error.status]).toEqual(['PermissionDenied', 407]);
      expect(error.hint).toMatch(/proxy wants credentials/);
    } finally {
      await provider.close?.();
      await proxy.close();
    }
  });
});

describe('https and CA bundles', () => {
  test('tls | a self-signed server fails with InvalidConfig; its CA in CA_BUNDLE_* makes it work, also through HTTPS_PROXY', async () => {
    const tls = makeCertificate();
    const secure = await startHttpOrigin({ tls: { key: tls.key, cert: tls.cert }, files: { '/s/model.bin': { body } } });
    const proxy = await startConnectProxy();
    const mount = mkdtempSync(join(tmpdir(), 'ca-mount-'));
    try {
      const untrusted = await failure(() => listOne(`${secure.url}/s/model.bin`));
      expect([untrusted.kind, untrusted.retryable]).toEqual(['InvalidConfig', false]);
      expect(untrusted.hint).toMatch(/CA_BUNDLE_CONFIGMAP_NAME/);

      writeFileSync(join(mount, 'cabundle.crt'), tls.cert);
      const env = { CA_BUNDLE_CONFIGMAP_NAME: 'custom-ca', CA_BUNDLE_VOLUME_MOUNT_POINT: mount };
      const obj = await listOne(`${secure.url}/s/model.bin`, context(env));
      expect((await drain(await provider.read(obj, { start: 10, end: 20 }, context(env)))).equals(body.subarray(10, 20))).toBe(true);

      await listOne(`${secure.url}/s/model.bin`, context({ ...env, HTTPS_PROXY: proxy.url }));
      expect(proxy.tunnels).toEqual([`127.0.0.1:${secure.port}`]);

      const missing = await failure(() => listOne(`${secure.url}/s/model.bin`, context({ CA_BUNDLE_CONFIGMAP_NAME: 'x', CA_BUNDLE_VOLUME_MOUNT_POINT: join(mount, 'nope') })));
      expect([missing.kind, missing.message]).toEqual(['InvalidConfig',
        `http: CA bundle ${join(mount, 'nope')}/cabundle.crt (CA_BUNDLE_CONFIGMAP_NAME is set) cannot be read: ENOENT`]);
    } finally {
      await provider.close?.();
      await Promise.all([secure.close(), proxy.close()]);
      rmSync(mount, { recursive: true, force: true });
      tls.cleanup();
    }
  });
});
