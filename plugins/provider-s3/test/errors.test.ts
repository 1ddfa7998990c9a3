import { connect, createServer } from 'node:net';
import provider from '../src/provider.js';
import { PERMISSION_HINT, toProviderError } from '../src/errors.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { caught, listAll, readAll, s3rverContext, s3Uri } from './helpers.js';
import { sendError, startStub, type StubServer } from './stub-server.js';

const BUCKET = 'errors';
let server: S3rverHandle;
let stub: StubServer;
const SECRET = 'wJalrXUtnFEMI-K7MDENG-not-a-real-secret';

beforeAll(async () => {
  [server, stub] = await Promise.all([startS3rver({ buckets: [BUCKET] }), startStub()]);
  await server.putObject(BUCKET, 'present.bin', Buffer.from('present'));
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server?.close(), stub?.close()]);
});

test('errors | NoSuchBucket from s3rver is NotFound, not retryable, naming the URI', async () => {
  const error = await caught(() => listAll(provider, s3Uri('no-such-bucket', 'm/'), s3rverContext(server)));
  expect([error.kind, error.retryable, error.status]).toEqual(['NotFound', false, 404]);
  expect(error.message).toContain('s3://no-such-bucket/m/');
  expect(error.message).toContain('NoSuchBucket');
});

test('errors | NoSuchKey from s3rver (object deleted after listing) is NotFound', async () => {
  await server.putObject(BUCKET, 'gone.bin', Buffer.from('soon gone'));
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'gone.bin'), s3rverContext(server));
  await server.deleteObject(BUCKET, 'gone.bin');
  const error = await caught(() => readAll(provider, obj!, { start: 0, end: 4 }, s3rverContext(server)));
  expect([error.kind, error.retryable, error.status]).toEqual(['NotFound', false, 404]);
  expect(error.message).toContain('NoSuchKey');
});

test('errors | an unknown access key (InvalidAccessKeyId from s3rver) is PermissionDenied with the credentials hint, secret never shown', async () => {
  const ctx = s3rverContext(server, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN', AWS_SECRET_ACCESS_KEY: SECRET });
  const error = await caught(() => listAll(provider, s3Uri(BUCKET, 'present.bin'), ctx));
  expect([error.kind, error.retryable, error.status]).toEqual(['PermissionDenied', false, 403]);
  expect(error.hint).toBe(PERMISSION_HINT);
  expect(error.hint).toContain('AWS_ACCESS_KEY_ID');
  expect(error.hint).toContain('IRSA');
  expect(`${error.message} ${error.hint} ${JSON.stringify(error)}`).not.toContain(SECRET);
});

test.each([
  [403, 'AccessDenied', 'PermissionDenied', false],
  [400, 'ExpiredToken', 'PermissionDenied', false],
  [403, 'SignatureDoesNotMatch', 'PermissionDenied', false],
  [503, 'SlowDown', 'RateLimited', true],
  [429, 'TooManyRequests', 'RateLimited', true],
  [500, 'InternalError', 'Unavailable', true],
  [502, 'BadGateway', 'Unavailable', true],
  [400, 'RequestTimeout', 'Unavailable', true],
  [301, 'PermanentRedirect', 'InvalidConfig', false],
  [400, 'AuthorizationHeaderMalformed', 'InvalidConfig', false],
  [404, 'NoSuchBucket', 'NotFound', false],
] as const)('errors | HTTP %i %s from a real response → kind %s (retryable %s)', async (status, code, kind, retryable) => {
  stub.setHandler((_req, res) => sendError(res, status, code, `stub says ${code}`));
  const error = await caught(() => listAll(provider, s3Uri('bkt', 'm/'), s3rverContext(stub, { S3_MAX_ATTEMPTS: '1' })));
  expect([error.kind, error.retryable, error.status]).toEqual([kind, retryable, status]);
  expect(error.message).toContain(`s3: ListObjectsV2 s3://bkt/m/ failed (${code}, HTTP ${status})`);
});

test('errors | Retry-After on a SlowDown is passed on as retryAfterMs', async () => {
  stub.setHandler((_req, res) => sendError(res, 503, 'SlowDown', 'Please reduce your request rate.', { 'retry-after': '2' }));
  const error = await caught(() => listAll(provider, s3Uri('bkt', 'm/'), s3rverContext(stub, { S3_MAX_ATTEMPTS: '1' })));
  expect([error.kind, error.retryAfterMs]).toEqual(['RateLimited', 2000]);
});

test('errors | listing retries inside the SDK up to S3_MAX_ATTEMPTS; reads make exactly one attempt', async () => {
  let calls = 0;
  stub.setHandler((req, res) => {
    calls++;
    if (calls === 1) return sendError(res, 500, 'InternalError', 'first call fails');
    if (req.method === 'GET' && req.url?.includes('list-type=2')) {
      const body = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><Prefix>m/</Prefix><KeyCount>1</KeyCount>' +
        '<IsTruncated>false</IsTruncated><Contents><Key>m/a.bin</Key><Size>3</Size><ETag>"e"</ETag></Contents></ListBucketResult>';
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    sendError(res, 500, 'InternalError', 'reads fail');
  });
  const ctx = s3rverContext(stub, { S3_MAX_ATTEMPTS: '2' });
  const objects = await listAll(provider, s3Uri('bkt', 'm/'), ctx);
  expect([objects.map((o) => o.path), calls]).toEqual([['a.bin'], 2]);
  calls = 1;
  const error = await caught(() => readAll(provider, objects[0]!, undefined, ctx));
  expect([error.kind, calls]).toEqual(['Unavailable', 2]);
});

test('errors | a refused connection (a real ECONNREFUSED from Node) is a retryable Unavailable with the endpoint hint', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  // Mapped at the error layer: under jest's VM modules the SDK (evaluated in the test realm) fails
  // `instanceof Error` on Node's own socket errors and replaces them with a code-less wrapper, which
  // does not happen in a real process (the e2e tests cover that path).
  const refused = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
  const error = toProviderError(refused, { operation: 'ListObjectsV2', bucket: 'bkt', key: 'm/' });
  expect([error.kind, error.retryable]).toEqual(['Unavailable', true]);
  expect(error.hint).toContain('AWS_ENDPOINT_URL');
  expect(error.message).toContain('ECONNREFUSED');
});

test('errors | a malformed setting is InvalidConfig naming the variable, before any request', async () => {
  const before = stub.requests.length;
  const error = await caught(() => listAll(provider, s3Uri('bkt', 'm/'), s3rverContext(stub, { S3_CONNECT_TIMEOUT: 'soon' })));
  expect([error.kind, error.retryable]).toEqual(['InvalidConfig', false]);
  expect(error.message).toContain('S3_CONNECT_TIMEOUT');
  expect(stub.requests.length).toBe(before);
});

test('errors | mapping keeps an already-mapped error and never matches on message text', () => {
  const mapped = toProviderError(Object.assign(new Error('NoSuchKey in the text only'), { name: 'Error' }), { operation: 'GetObject', bucket: 'b', key: 'k' });
  expect(mapped.kind).toBe('Unexpected');
  expect(toProviderError(mapped, { operation: 'x', bucket: 'b' })).toBe(mapped);
  const tls = toProviderError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), { operation: 'x', bucket: 'b' });
  expect([tls.kind, tls.retryable]).toEqual(['InvalidConfig', false]);
  expect(tls.hint).toContain('AWS_CA_BUNDLE');
});
