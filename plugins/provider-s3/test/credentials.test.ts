import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import provider from '../src/provider.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { caught, listAll, listPaths, readAll, s3rverContext, s3Uri, silentLogger } from './helpers.js';
import { startStub, type StubServer } from './stub-server.js';

const BUCKET = 'creds';
let server: S3rverHandle;
let tlsServer: S3rverHandle;
let stub: StubServer;
let sts: StubServer;
let dir: string;
let cert: string;

const LISTING = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><KeyCount>1</KeyCount>' +
  '<IsTruncated>false</IsTruncated><Contents><Key>m/a.bin</Key><Size>3</Size><ETag>"e"</ETag></Contents></ListBucketResult>';
const STS_RESPONSE = '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
  '<Credentials><AccessKeyId>ASIAIRSAEXAMPLE</AccessKeyId><SecretAccessKey>irsa-secret</SecretAccessKey>' +
  '<SessionToken>irsa-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>' +
  '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/model-reader/mr-init</Arn><AssumedRoleId>AROAEXAMPLE:mr-init</AssumedRoleId></AssumedRoleUser>' +
  '</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-init-s3-creds-'));
  cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  await writeFile(join(dir, 'token'), 'a-projected-service-account-token');
  [server, tlsServer, stub, sts] = await Promise.all([
    startS3rver({ buckets: [BUCKET] }),
    startS3rver({ buckets: [BUCKET], tls: { key: join(dir, 'key.pem'), cert } }),
    startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(LISTING) });
      res.end(LISTING);
    }),
    startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(STS_RESPONSE) });
      res.end(STS_RESPONSE);
    }),
  ]);
  await server.putObject(BUCKET, 'public/model.bin', Buffer.from('public bytes'));
  await tlsServer.putObject(BUCKET, 'tls/model.bin', Buffer.from('tls bytes'));
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server?.close(), tlsServer?.close(), stub?.close(), sts?.close()]);
  await rm(dir, { recursive: true, force: true });
});

test('credentials | awsAnonymousCredential=true sends unsigned requests (s3rver refuses the same keys when signed)', async () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIANOTKNOWN', AWS_SECRET_ACCESS_KEY: 'not-known' };
  const denied = await caught(() => listAll(provider, s3Uri(BUCKET, 'public'), s3rverContext(server, env)));
  expect(denied.kind).toBe('PermissionDenied');
  const ctx = s3rverContext(server, { ...env, awsAnonymousCredential: 'true' });
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'public'), ctx);
  expect((await readAll(provider, obj!, { start: 0, end: 6 }, ctx)).toString()).toBe('public');
});

test('credentials | STORAGE_CONFIG of type s3 alone (keys, endpoint, region) reaches the store', async () => {
  const ctx = {
    env: { STORAGE_CONFIG: JSON.stringify({ type: 's3', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', endpoint_url: server.endpoint, region: 'us-east-1' }) },
    settings: {}, logger: silentLogger, signal: new AbortController().signal,
  };
  expect(await listPaths(provider, s3Uri(BUCKET, 'public'), ctx)).toEqual(['model.bin']);
});

test('credentials | debug output shows the options with every secret REDACTED', async () => {
  const lines: string[] = [];
  const logger = { ...silentLogger, debug: (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields)}`) };
  const ctx = { ...s3rverContext(server, { AWS_SECRET_ACCESS_KEY: 'S3RVER-secret-value', AWS_SESSION_TOKEN: 'session-token-value' }), logger };
  await listAll(provider, s3Uri(BUCKET, 'public'), ctx);
  const text = lines.join('\n');
  expect(text).toContain('mr-init:s3 client options');
  expect(text).toContain('REDACTED');
  expect(text).not.toContain('S3RVER-secret-value');
  expect(text).not.toContain('session-token-value');
});

describe('IRSA with AWS_ENDPOINT_URL in the pod environment (kserve#3482)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });
  function irsaEnv(extra: Record<string, string>): Record<string, string> {
    // The SDK's default chain reads process.env, so the pod environment is set there as KServe would.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL_STS']) delete process.env[name];
    const env = {
      AWS_ENDPOINT_URL: stub.endpoint, AWS_REGION: 'us-east-1', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/model-reader',
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token'), AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true', ...extra,
    };
    Object.assign(process.env, env);
    return env;
  }

  test('credentials | the STS call never goes to the S3 endpoint', async () => {
    const env = irsaEnv({});
    const before = stub.requests.length;
    const error = await caught(() => listAll(provider, s3Uri('bkt', 'm/'), { ...s3rverContext(stub), env }));
    expect(error.message).toBeTruthy();
    expect(stub.requests.slice(before)).toEqual([]);
  });

  test('credentials | an explicit AWS_ENDPOINT_URL_STS is honoured and its role credentials sign the S3 requests', async () => {
    const env = irsaEnv({ AWS_ENDPOINT_URL_STS: sts.endpoint });
    const [stsBefore, s3Before] = [sts.requests.length, stub.requests.length];
    expect(await listPaths(provider, s3Uri('bkt', 'm/'), { ...s3rverContext(stub), env })).toEqual(['a.bin']);
    expect(sts.requests.slice(stsBefore)).toEqual(['POST /']);
    const signed = stub.headers.slice(s3Before);
    expect(signed.length).toBeGreaterThan(0);
    expect(signed[0]!.authorization).toContain('Credential=ASIAIRSAEXAMPLE/');
    expect(signed[0]!['x-amz-security-token']).toBe('irsa-session-token');
  });
});

describe('TLS', () => {
  const tlsCtx = (extra: Record<string, string>) => s3rverContext(tlsServer, extra);

  test('credentials | a self-signed store is refused unless its CA is trusted', async () => {
    const error = await caught(() => listAll(provider, s3Uri(BUCKET, 'tls'), tlsCtx({ S3_MAX_ATTEMPTS: '1' })));
    expect(error.message).toMatch(/certificate|self.signed|AWS SDK error wrapper/i);
  });

  test('credentials | AWS_CA_BUNDLE trusts the store', async () => {
    expect(await listPaths(provider, s3Uri(BUCKET, 'tls'), tlsCtx({ AWS_CA_BUNDLE: cert }))).toEqual(['model.bin']);
  });

  test('credentials | CA_BUNDLE_CONFIGMAP_NAME reads cabundle.crt under CA_BUNDLE_VOLUME_MOUNT_POINT', async () => {
    const mount = join(dir, 'configmap');
    await mkdir(mount, { recursive: true });
    await copyFile(cert, join(mount, 'cabundle.crt'));
    const ctx = tlsCtx({ CA_BUNDLE_CONFIGMAP_NAME: 'global-ca-bundle', CA_BUNDLE_VOLUME_MOUNT_POINT: mount });
    const [obj] = await listAll(provider, s3Uri(BUCKET, 'tls'), ctx);
    expect((await readAll(provider, obj!, undefined, ctx)).toString()).toBe('tls bytes');
  });

  test('credentials | S3_VERIFY_SSL=0 skips verification', async () => {
    expect(await listPaths(provider, s3Uri(BUCKET, 'tls'), tlsCtx({ S3_VERIFY_SSL: '0' }))).toEqual(['model.bin']);
  });

  test('credentials | a CA bundle that is not there is InvalidConfig naming the file', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    const error = await caught(() => listAll(provider, s3Uri(BUCKET, 'tls'), tlsCtx({ AWS_CA_BUNDLE: missing })));
    expect([error.kind, error.retryable]).toEqual(['InvalidConfig', false]);
    expect(error.message).toContain(missing);
  });
});
