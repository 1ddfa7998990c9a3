import { Agent as HttpAgent } from 'node:http';
import s3Provider from '../src/provider.js';
import { Agent as HttpsAgent } from 'node:https';
import { clientConfig } from '../src/client.js';
import { parseS3Options, redactS3Options, type S3Options } from '../src/options.js';

const agents = { httpAgent: new HttpAgent(), httpsAgent: new HttpsAgent() };
afterAll(() => {
  agents.httpAgent.destroy();
  agents.httpsAgent.destroy();
});

function thrown(fn: () => unknown): Error & { kind?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { kind?: string };
  }
  throw new Error('expected parseS3Options to throw');
}

test('options | defaults: us-east-1, 15 s connect, 30 s read, 3 list attempts, verify TLS, path-style off without endpoint', () => {
  const o = parseS3Options({});
  expect(o).toEqual({
    endpoint: undefined, region: 'us-east-1', regionDefaulted: true, accessKeyId: undefined, secretAccessKey: undefined,
    sessionToken: undefined, anonymous: false, verifySsl: true, caBundle: undefined, virtualHostedStyle: false,
    accelerate: false, connectTimeoutMs: 15_000, readTimeoutMs: 30_000, maxAttempts: 3, maxFileConcurrency: undefined,
  } satisfies S3Options);
});

test('options | endpoint: AWS_ENDPOINT_URL wins; else S3_ENDPOINT with S3_USE_HTTPS (0 → http)', () => {
  expect(parseS3Options({ AWS_ENDPOINT_URL: 'http://minio:9000/', S3_ENDPOINT: 'other:1' }).endpoint).toBe('http://minio:9000');
  expect(parseS3Options({ S3_ENDPOINT: 'minio:9000', S3_USE_HTTPS: '0' }).endpoint).toBe('http://minio:9000');
  expect(parseS3Options({ S3_ENDPOINT: 'minio:9000', S3_USE_HTTPS: '1' }).endpoint).toBe('https://minio:9000');
  expect(parseS3Options({ S3_ENDPOINT: 'minio:9000' }).endpoint).toBe('https://minio:9000');
  expect(parseS3Options({ S3_ENDPOINT: 'http://minio:9000' }).endpoint).toBe('http://minio:9000');
  expect(parseS3Options({ AWS_ENDPOINT_URL: 'ceph.local:7480', S3_USE_HTTPS: '0' }).endpoint).toBe('http://ceph.local:7480');
  expect(thrown(() => parseS3Options({ AWS_ENDPOINT_URL: 'ftp://x' })).kind).toBe('InvalidConfig');
});

test('options | region: STORAGE_CONFIG region, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
  expect(parseS3Options({ AWS_DEFAULT_REGION: 'eu-west-1' })).toMatchObject({ region: 'eu-west-1', regionDefaulted: false });
  expect(parseS3Options({ AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-central-1' }).region).toBe('eu-central-1');
  const storage = JSON.stringify({ type: 's3', region: 'ap-south-1' });
  expect(parseS3Options({ AWS_REGION: 'eu-central-1', STORAGE_CONFIG: storage }).region).toBe('ap-south-1');
});

test('options | flags follow KServe: "true" (any case) turns on; S3_VERIFY_SSL off only for 0/false', () => {
  expect(parseS3Options({ awsAnonymousCredential: 'True', S3_USER_VIRTUAL_BUCKET: 'TRUE', S3_USE_ACCELERATE: 'true' }))
    .toMatchObject({ anonymous: true, virtualHostedStyle: true, accelerate: true });
  expect(parseS3Options({ awsAnonymousCredential: '1', S3_USER_VIRTUAL_BUCKET: 'yes' })).toMatchObject({ anonymous: false, virtualHostedStyle: false });
  for (const off of ['0', 'false', 'False']) expect(parseS3Options({ S3_VERIFY_SSL: off }).verifySsl).toBe(false);
  for (const on of ['1', 'true', 'anything']) expect(parseS3Options({ S3_VERIFY_SSL: on }).verifySsl).toBe(true);
});

test('options | CA bundle: AWS_CA_BUNDLE, else cabundle.crt under the ConfigMap mount; none when TLS verification is off', () => {
  expect(parseS3Options({ AWS_CA_BUNDLE: '/certs/ca.pem', CA_BUNDLE_CONFIGMAP_NAME: 'x' }).caBundle).toBe('/certs/ca.pem');
  expect(parseS3Options({ CA_BUNDLE_CONFIGMAP_NAME: 'cabundle', CA_BUNDLE_VOLUME_MOUNT_POINT: '/etc/ssl/mine/' }).caBundle)
    .toBe('/etc/ssl/mine/cabundle.crt');
  expect(parseS3Options({ CA_BUNDLE_CONFIGMAP_NAME: 'cabundle' }).caBundle).toBe('/etc/ssl/custom-certs/cabundle.crt');
  expect(parseS3Options({ CA_BUNDLE_VOLUME_MOUNT_POINT: '/etc/ssl/mine' }).caBundle).toBeUndefined();
  expect(parseS3Options({ AWS_CA_BUNDLE: '/certs/ca.pem', S3_VERIFY_SSL: '0' }).caBundle).toBeUndefined();
});

test('options | timeouts are seconds (fractions allowed); counts are whole numbers; bad values name the variable', () => {
  expect(parseS3Options({ S3_CONNECT_TIMEOUT: '2.5', S3_READ_TIMEOUT: '120', S3_MAX_ATTEMPTS: '1', S3_MAX_FILE_CONCURRENCY: '16' }))
    .toMatchObject({ connectTimeoutMs: 2500, readTimeoutMs: 120_000, maxAttempts: 1, maxFileConcurrency: 16 });
  for (const [name, value] of [['S3_CONNECT_TIMEOUT', 'abc'], ['S3_READ_TIMEOUT', '0'], ['S3_MAX_ATTEMPTS', '0'],
    ['S3_MAX_FILE_CONCURRENCY', '2.5'], ['S3_MAX_ATTEMPTS', '-1']] as const) {
    const error = thrown(() => parseS3Options({ [name]: value }));
    expect([error.kind, error.message.includes(name)]).toEqual(['InvalidConfig', true]);
  }
});

test('options | empty credentials count as unset (KServe IRSA samples mount empty keys)', () => {
  expect(parseS3Options({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: ' ' })).toMatchObject({ accessKeyId: undefined, secretAccessKey: undefined });
  expect(clientConfig(parseS3Options({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }), agents).credentials).toBeUndefined();
});

test('options | STORAGE_CONFIG of type s3 maps KServe keys and overrides the environment; STORAGE_OVERRIDE_CONFIG wins over it', () => {
  const env = {
    AWS_ACCESS_KEY_ID: 'env-key', AWS_ENDPOINT_URL: 'http://env:1',
    STORAGE_CONFIG: JSON.stringify({
      type: 's3', access_key_id: 'cfg-key', secret_access_key: 'cfg-secret', endpoint_url: 'http://cfg:2',
      region: 'eu-north-1', anonymous: 'false', verify_ssl: '0', ca_bundle: '/ca.pem', bucket: 'ignored',
    }),
    STORAGE_OVERRIDE_CONFIG: JSON.stringify({ endpoint_url: 'http://override:3', anonymous: true }),
  };
  expect(parseS3Options(env)).toMatchObject({
    accessKeyId: 'cfg-key', secretAccessKey: 'cfg-secret', endpoint: 'http://override:3', region: 'eu-north-1',
    anonymous: true, verifySsl: false, caBundle: undefined,
  });
});

test('options | STORAGE_CONFIG of another type is ignored; malformed JSON is InvalidConfig without echoing the value', () => {
  expect(parseS3Options({ AWS_ACCESS_KEY_ID: 'k', STORAGE_CONFIG: JSON.stringify({ type: 'gs', access_key_id: 'x' }) }).accessKeyId).toBe('k');
  const error = thrown(() => parseS3Options({ STORAGE_CONFIG: '{"type":"s3","secret_access_key":"hunter2-secret"' }));
  expect(error.kind).toBe('InvalidConfig');
  expect(error.message).toContain('STORAGE_CONFIG');
  expect(error.message).not.toContain('hunter2');
  expect(thrown(() => parseS3Options({ STORAGE_OVERRIDE_CONFIG: '[1]' })).kind).toBe('InvalidConfig');
});

test('options | ctx.settings (variable names or STORAGE_CONFIG keys) are the lowest layer', () => {
  const settings = { endpoint_url: 'http://settings:1', S3_READ_TIMEOUT: 5, region: 'eu-west-3' };
  expect(parseS3Options({}, settings)).toMatchObject({ endpoint: 'http://settings:1', readTimeoutMs: 5000, region: 'eu-west-3' });
  expect(parseS3Options({ AWS_ENDPOINT_URL: 'http://env:2' }, settings).endpoint).toBe('http://env:2');
});

test('options | redaction replaces every credential with REDACTED', () => {
  const o = parseS3Options({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-value', AWS_SESSION_TOKEN: 'token-value' });
  const text = JSON.stringify(redactS3Options(o));
  for (const secret of ['AKIAEXAMPLE', 'secret-value', 'token-value']) expect(text).not.toContain(secret);
  expect(redactS3Options(o)).toMatchObject({ accessKeyId: 'REDACTED', secretAccessKey: 'REDACTED', sessionToken: 'REDACTED' });
});

test('client config | path-style for a custom endpoint unless S3_USER_VIRTUAL_BUCKET; virtual-hosted for AWS endpoints', () => {
  expect(clientConfig(parseS3Options({ AWS_ENDPOINT_URL: 'http://minio:9000' }), agents)).toMatchObject({ forcePathStyle: true, followRegionRedirects: false });
  expect(clientConfig(parseS3Options({ AWS_ENDPOINT_URL: 'http://minio:9000', S3_USER_VIRTUAL_BUCKET: 'true' }), agents).forcePathStyle).toBe(false);
  expect(clientConfig(parseS3Options({ AWS_ENDPOINT_URL: 'https://s3.amazonaws.com', AWS_DEFAULT_REGION: 'eu-west-1' }), agents))
    .toMatchObject({ forcePathStyle: false, followRegionRedirects: true });
  expect(clientConfig(parseS3Options({}), agents)).toMatchObject({ forcePathStyle: false, followRegionRedirects: true, endpoint: undefined });
});

test('client config | the endpoint goes to the S3 client only; STS ignores AWS_ENDPOINT_URL; SDK retries and CRCs stay off', () => {
  const config = clientConfig(parseS3Options({ AWS_ENDPOINT_URL: 'http://minio:9000', S3_CONNECT_TIMEOUT: '3', S3_READ_TIMEOUT: '7' }), agents);
  expect(config).toMatchObject({
    endpoint: 'http://minio:9000', ignoreConfiguredEndpointUrls: true, clientConfig: { ignoreConfiguredEndpointUrls: true },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 3000, socketTimeout: 7000, httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent },
  });
  expect(config.maxAttempts).toBeUndefined();
});

test('client config | static keys, or anonymous (unsigned, no credential lookup), or the default chain', () => {
  const keys = clientConfig(parseS3Options({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 't' }), agents);
  expect(keys.credentials).toEqual({ accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 't' });
  expect(keys.signer).toBeUndefined();
  const anonymous = clientConfig(parseS3Options({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', awsAnonymousCredential: 'true' }), agents);
  expect(anonymous.credentials).toEqual({ accessKeyId: 'anonymous', secretAccessKey: 'anonymous' });
  expect(typeof anonymous.signer).toBe('object');
  expect(clientConfig(parseS3Options({}), agents).credentials).toBeUndefined();
});

describe('limits', () => {
  test('limits | S3_MAX_FILE_CONCURRENCY caps the reads in flight only when set', () => {
    const ctx = (env: Record<string, string>) => ({ env, settings: {}, logger: { debug() {}, info() {}, warn() {} }, signal: new AbortController().signal });
    expect(s3Provider.limits!(ctx({}))).toEqual({});
    expect(s3Provider.limits!(ctx({ S3_MAX_FILE_CONCURRENCY: '4' }))).toEqual({ maxConnections: 4 });
  });
});
