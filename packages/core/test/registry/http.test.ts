import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASE_BACKOFF_MS, isRetryable, MAX_RETRY_AFTER_MS, retryDelayMs, tlsAndTimeoutOptions,
} from '../../src/registry/http.js';
import { API_PATH, startModelRegistry, type TestRegistry } from '../../../../test/servers/model-registry/index.js';
import { MemoryLogger, optionsFor, rejection, resolveUri } from './helpers.js';

const TLS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/servers/model-registry/fixtures/tls');
let reg: TestRegistry;

beforeAll(async () => {
  reg = await startModelRegistry();
});

afterAll(async () => {
  await reg.close();
});

const opts = (retries = 1) => optionsFor(`127.0.0.1:${reg.port}`, { retries });
const lookups = (since: number): number => reg.requests.slice(since).filter((r) => r.path.endsWith('/registered_model')).length;

/** A TCP port that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('registry HTTP', () => {
  test('registry http | a 5xx then OK succeeds on the retry', async () => {
    const since = reg.requests.length;
    reg.failNext(1, 503, { code: '503', message: 'starting' });
    const logger = new MemoryLogger();
    expect((await resolveUri('model-registry://iris/v1', opts(), logger)).version.name).toBe('v1');
    expect(lookups(since)).toBe(2);
    expect(logger.lines).toContainEqual(expect.objectContaining({
      level: 'warn', fields: expect.objectContaining({ reason: 'HTTP 503', attempt: 1 }),
    }));
  });

  test('registry http | a 429 with Retry-After is retried after the time the server asked for', async () => {
    const since = reg.requests.length;
    reg.failNext(1, 429, { code: '429', message: 'slow down' }, { 'retry-after': '1' });
    const logger = new MemoryLogger();
    expect((await resolveUri('model-registry://iris', opts(), logger)).version.name).toBe('v2');
    expect(lookups(since)).toBe(2);
    const retry = logger.lines.find((l) => l.level === 'warn');
    expect(retry?.fields).toMatchObject({ reason: 'HTTP 429', retryAfterMs: 1000, delayMs: 1000 });
  });

  test('registry http | a dropped connection is retried', async () => {
    const since = reg.requests.length;
    reg.failNext(1, 0);
    expect((await resolveUri('model-registry://iris/v1', opts())).version.name).toBe('v1');
    expect(lookups(since)).toBe(2);
  });

  test('registry http | a 404 is not retried, nor a 400', async () => {
    let since = reg.requests.length;
    expect((await rejection(resolveUri('model-registry://absent', opts(3)))).code).toBe('ErrRegisteredModelNotFound');
    expect(lookups(since)).toBe(1);
    since = reg.requests.length;
    reg.failNext(1, 400, { code: '400', message: 'bad' });
    expect((await rejection(resolveUri('model-registry://iris', opts(3)))).code).toBe('ErrInvalidMRURI');
    expect(lookups(since)).toBe(1);
  });

  test('registry http | retries stop at the limit', async () => {
    const since = reg.requests.length;
    reg.failNext(3, 502);
    const error = await rejection(resolveUri('model-registry://iris', opts(2)));
    expect(error.code).toBe('ErrRegistryUnreachable');
    expect(error.message).toMatch(/after 3 attempts/);
    expect(lookups(since)).toBe(3);
    expect((await resolveUri('model-registry://iris/v1', opts(0))).version.name).toBe('v1');
  });

  test('registry http | a closed port → ErrRegistryUnreachable naming the URL, after the retries', async () => {
    const port = await closedPort();
    const error = await rejection(resolveUri('model-registry://iris', optionsFor(`127.0.0.1:${port}`, { retries: 1 })));
    expect(error.code).toBe('ErrRegistryUnreachable');
    expect(error.message).toBe(`cannot reach the Model Registry: GET http://127.0.0.1:${port}${API_PATH}/registered_model?name=iris ` +
      `failed after 2 attempts (connect ECONNREFUSED 127.0.0.1:${port})`);
  });

  test('registry http | a registry that never answers → ErrRegistryUnreachable once the time limit passes', async () => {
    const silent = await silentServer();
    try {
      const error = await rejection(resolveUri('model-registry://iris',
        optionsFor(`127.0.0.1:${silent.port}`, { retries: 0, timeoutMs: 300 })));
      expect(error.code).toBe('ErrRegistryUnreachable');
      expect(error.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/api\/model_registry\/v1alpha3\/registered_model\?name=iris failed \(Timeout awaiting 'request' for 300ms\)/);
    } finally {
      await silent.close();
    }
  });

  test('registry http | retry policy: Retry-After honoured and capped, otherwise exponential backoff', () => {
    expect(retryDelayMs(1, 1000)).toBe(1000);
    expect(retryDelayMs(1, 0)).toBe(1);
    expect(retryDelayMs(3, 3_600_000)).toBe(MAX_RETRY_AFTER_MS);
    const first = retryDelayMs(1);
    const third = retryDelayMs(3);
    expect(first).toBeGreaterThanOrEqual(BASE_BACKOFF_MS);
    expect(first).toBeLessThan(BASE_BACKOFF_MS + 100);
    expect(third).toBeGreaterThanOrEqual(BASE_BACKOFF_MS * 4);
    expect(retryDelayMs(20)).toBeLessThan(8_100);
    for (const status of [408, 429, 500, 502, 503, 504, 599]) expect(isRetryable(status, undefined)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 422]) expect(isRetryable(status, undefined)).toBe(false);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']) expect(isRetryable(undefined, code)).toBe(true);
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', undefined]) expect(isRetryable(undefined, code)).toBe(false);
  });

  test('registry http | CA and TLS-verify settings reach got, keeping the system roots', () => {
    const pem = readFileSync(join(TLS_DIR, 'cert.pem'), 'utf8');
    const strict = tlsAndTimeoutOptions({ tlsVerify: true, timeoutMs: 1500, ca: pem });
    expect(strict.timeout).toEqual({ connect: 1500, request: 1500 });
    expect(strict.https?.rejectUnauthorized).toBe(true);
    const cas = strict.https?.certificateAuthority as string[];
    expect(cas.at(-1)).toBe(pem);
    expect(cas.length).toBeGreaterThan(10);
    const loose = tlsAndTimeoutOptions({ tlsVerify: false, timeoutMs: 10_000 });
    expect(loose.https).toEqual({ rejectUnauthorized: false });
  });

  test('registry http | an https registry: untrusted fails with a TLS hint, a CA file or TLS_VERIFY=false works', async () => {
    const tls = await startModelRegistry({
      tls: { key: readFileSync(join(TLS_DIR, 'key.pem')), cert: readFileSync(join(TLS_DIR, 'cert.pem')) },
    });
    try {
      const base = optionsFor(`127.0.0.1:${tls.port}`, { scheme: 'https', retries: 2 });
      const since = tls.requests.length;
      const untrusted = await rejection(resolveUri('model-registry://iris/v1', base));
      expect(untrusted.code).toBe('ErrRegistryUnreachable');
      expect(untrusted.message).toMatch(/self-signed certificate/);
      expect(untrusted.hint).toMatch(/MODEL_REGISTRY_CA_FILE/);
      expect(tls.requests.length).toBe(since);
      expect((await resolveUri('model-registry://iris/v1', { ...base, caFile: join(TLS_DIR, 'cert.pem') })).registryUrl)
        .toBe(`https://127.0.0.1:${tls.port}${API_PATH}`);
      expect((await resolveUri('model-registry://iris', { ...base, tlsVerify: false })).version.name).toBe('v2');
    } finally {
      await tls.close();
    }
  });
});
