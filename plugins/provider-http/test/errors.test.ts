import net from 'node:net';
import { fromRequestError, parseRetryAfter, safeUrl } from '../src/errors.js';
import provider from '../src/provider.js';
import { startHttpOrigin, type HttpOrigin } from '../../../test/servers/http-origin.js';
import { bytesOf, context, failure, listOne } from './support/helpers.js';

let origin: HttpOrigin;

beforeAll(async () => {
  origin = await startHttpOrigin({ files: { '/m/model.bin': { body: bytesOf(1000) } } });
});
afterAll(async () => {
  await provider.close?.();
  await origin.close();
});
beforeEach(() => origin.clearFaults());

/** Reads model.bin after arranging for its GET to answer `status`. */
async function readWithStatus(status: number, retryAfter?: number) {
  const obj = await listOne(`${origin.url}/m/model.bin`);
  origin.fault('/m/model.bin', { kind: 'status', status, retryAfter });
  return failure(() => provider.read(obj, undefined, context()));
}

describe('errors', () => {
  test.each([
    [404, 'NotFound', false], [410, 'NotFound', false], [401, 'PermissionDenied', false], [403, 'PermissionDenied', false],
    [429, 'RateLimited', true], [500, 'Unavailable', true], [502, 'Unavailable', true], [503, 'Unavailable', true],
    [408, 'Unavailable', true], [400, 'Unexpected', false], [418, 'Unexpected', false],
  ])('errors | HTTP %i on read → kind %s, retryable %s', async (status, kind, retryable) => {
    const error = await readWithStatus(status);
    expect(error).toBeInstanceOf(Error);
    expect([error.kind, error.retryable, error.status]).toEqual([kind, retryable, status]);
    expect(error.message).toContain(`read ${origin.url}/m/model.bin failed: HTTP ${status}`);
    expect(error.message).toContain(`injected status ${status}`); // the server's own words
  });

  test('errors | Retry-After on 429 and 503 becomes retryAfterMs', async () => {
    expect((await readWithStatus(429, 7)).retryAfterMs).toBe(7000);
    expect((await readWithStatus(503, 2)).retryAfterMs).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  test('errors | list of a missing file → NotFound, message with the URL but not its query values', async () => {
    const error = await failure(() => listOne(`${origin.url}/m/gone.bin?X-Amz-Signature=SECRET123&sig=SECRET456`));
    expect([error.kind, error.retryable, error.status]).toEqual(['NotFound', false, 404]);
    expect(error.message).toBe(`http: list (HEAD) ${origin.url}/m/gone.bin?X-Amz-Signature=REDACTED&sig=REDACTED failed: HTTP 404 Not Found`);
    expect(error.message).not.toMatch(/SECRET/);
  });

  test('errors | 401/403 hint names the <hostname>-headers variable and never a header value', async () => {
    origin.requireHeaders({ Authorization: 'Bearer the-right-one' });
    try {
      const ctx = context({ '127.0.0.1-headers': JSON.stringify({ Authorization: 'Bearer WRONG-SECRET' }) });
      const denied = await failure(() => listOne(`${origin.url}/m/model.bin`, ctx));
      expect([denied.kind, denied.status]).toEqual(['PermissionDenied', 403]);
      expect(denied.hint).toMatch(/^Set the 127\.0\.0\.1-headers variable to a JSON object of request headers/);
      expect(JSON.stringify({ m: denied.message, h: denied.hint, logs: ctx.logs })).not.toMatch(/WRONG-SECRET/);
      expect((await failure(() => listOne(`${origin.url}/m/model.bin`))).status).toBe(401);
    } finally {
      origin.requireHeaders({});
    }
  });

  test('errors | a refused connection → Unavailable, retryable', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(() => listOne(`http://127.0.0.1:${port}/m/model.bin`));
    expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  test.each([
    ['ECONNRESET', 'Unavailable', true], ['EPIPE', 'Unavailable', true], ['ETIMEDOUT', 'Unavailable', true],
    ['ENOTFOUND', 'Unavailable', true], ['EAI_AGAIN', 'Unavailable', true], ['ERR_STREAM_PREMATURE_CLOSE', 'Unavailable', true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'InvalidConfig', false], ['EWHATEVER', 'Unexpected', false],
  ])('errors | a socket error %s → kind %s, retryable %s', (code, kind, retryable) => {
    const error = fromRequestError('GET', 'https://h.example/m.bin?sig=abc', Object.assign(new Error(`boom ${code}`), { code }));
    expect([error.kind, error.retryable]).toEqual([kind, retryable]);
    expect(error.message).not.toMatch(/abc/);
  });

  test('errors | a timeout, an abort and a proxy refusal map by what they are', () => {
    const timeout = Object.assign(new Error('Timeout awaiting \'socket\' for 300ms'), { name: 'TimeoutError', code: 'ETIMEDOUT', event: 'socket' });
    expect(fromRequestError('GET', 'http://h/a', timeout).message).toBe('http: GET http://h/a timed out (socket): Timeout awaiting \'socket\' for 300ms');
    expect(fromRequestError('GET', 'http://h/a', Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ERR_ABORTED' })).kind).toBe('Unavailable');
    const proxy = fromRequestError('GET', 'http://h/a', new Error('Bad response: 407'));
    expect([proxy.kind, proxy.status]).toEqual(['PermissionDenied', 407]);
    expect(fromRequestError('GET', 'http://h/a', new Error('Bad response: 502')).kind).toBe('Unavailable');
  });

  test('errors | safeUrl drops credentials and query values', () => {
    expect(safeUrl('https://user:pw@h.example:8443/a/b.bin?token=t&x=1&x=2')).toBe('https://h.example:8443/a/b.bin?token=REDACTED&x=REDACTED');
  });
});
