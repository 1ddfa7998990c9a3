import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import provider from '../src/provider.js';
import { startFakeGcs, type FakeGcs } from '../../../test/servers/gcs/index.js';
import { startFakeMetadataServer, type FakeMetadataServer } from '../../../test/servers/gcs/metadata.js';
import { collect, gsUri, makeCtx, readAll, recordingLogger } from './helpers.js';

const SA = 'model-loader@test-project.iam.gserviceaccount.com';
const WORKLOAD = 'workload@test-project.iam.gserviceaccount.com';
const OUTSIDER = 'outsider@test-project.iam.gserviceaccount.com';
const PROCESS_VARS = ['GCE_METADATA_HOST', 'GCE_METADATA_IP', 'GOOGLE_APPLICATION_CREDENTIALS', 'HOME', 'STORAGE_EMULATOR_HOST', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

let fake: FakeGcs;
let metadata: FakeMetadataServer;
let dir: string;
let env: Record<string, string>;
const savedEnv: Record<string, string | undefined> = {};
const keys = { loader: generateKeyPairSync('rsa', { modulusLength: 2048 }), outsider: generateKeyPairSync('rsa', { modulusLength: 2048 }) };

async function writeKey(file: string, email: string, privateKey: import('node:crypto').KeyObject, tokenUri: string): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, JSON.stringify({
    type: 'service_account', project_id: 'test-project', private_key_id: `${file}-id`,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), client_email: email, client_id: '1234567890',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth', token_uri: tokenUri,
  }));
  return path;
}

beforeAll(async () => {
  for (const name of PROCESS_VARS) savedEnv[name] = process.env[name];
  fake = await startFakeGcs();
  metadata = await startFakeMetadataServer(() => fake.issueToken(WORKLOAD), WORKLOAD);
  dir = await mkdtemp(join(tmpdir(), 'mr-init-gcs-auth-'));
  // Any probe of the metadata server by google-auth-library lands on the recording fake, never the network.
  process.env.GCE_METADATA_HOST = metadata.host;
  process.env.GCE_METADATA_IP = metadata.host;
  process.env.HOME = dir; // no gcloud application_default_credentials.json to find
  for (const name of ['GOOGLE_APPLICATION_CREDENTIALS', 'STORAGE_EMULATOR_HOST', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete process.env[name];
  env = { STORAGE_EMULATOR_HOST: fake.emulatorHost };
  fake.addServiceAccount(SA, keys.loader.publicKey);
  fake.addServiceAccount(OUTSIDER, keys.outsider.publicKey);
  fake.createBucket('private', { readers: [SA, WORKLOAD] });
  fake.putObject('private', 'model/weights.bin', Buffer.from('private weights'));
  fake.putObject('public', 'model/weights.bin', Buffer.from('public weights'));
});
afterAll(async () => {
  for (const name of PROCESS_VARS) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await provider.close?.();
  await Promise.all([fake.close(), metadata.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('gcs auth', () => {
  test('gcs auth | without credentials requests are anonymous and no metadata server is contacted', async () => {
    const before = fake.requests.length;
    const objects = await collect(provider.list(gsUri('public', 'model'), makeCtx(env)));
    expect(await readAll(await provider.read(objects[0]!, undefined, makeCtx(env)))).toEqual(Buffer.from('public weights'));
    expect(metadata.requests).toEqual([]);
    const sent = fake.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.authorization === undefined)).toBe(true);
  });

  test('gcs auth | anonymous access to a private bucket is PermissionDenied with the credentials hint', async () => {
    const error = await collect(provider.list(gsUri('private', 'model'), makeCtx(env))).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'PermissionDenied', status: 401, retryable: false });
    expect((error as { hint: string }).hint).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    expect((error as Error).message).toContain('Anonymous caller does not have storage.objects.list access');
    expect(metadata.requests).toEqual([]);
  });

  test('gcs auth | GOOGLE_APPLICATION_CREDENTIALS: a token from the key\'s token_uri reaches the bucket as Bearer', async () => {
    const keyFile = await writeKey('loader.json', SA, keys.loader.privateKey, fake.tokenUri);
    const logger = recordingLogger();
    const ctx = makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile }, { logger });
    const before = fake.requests.length;
    const objects = await collect(provider.list(gsUri('private', 'model'), ctx));
    expect(objects.map((o) => o.path)).toEqual(['weights.bin']);
    expect(await readAll(await provider.read(objects[0]!, undefined, ctx))).toEqual(Buffer.from('private weights'));
    const sent = fake.requests.slice(before);
    expect(sent.filter((r) => r.path === '/token')).toHaveLength(1); // cached across list and read
    const storageCalls = sent.filter((r) => r.path.startsWith('/storage/'));
    expect(storageCalls.length).toBeGreaterThanOrEqual(2);
    expect(storageCalls.every((r) => /^Bearer ya29\.fake-[0-9a-f]+$/.test(r.authorization ?? ''))).toBe(true);
    const token = storageCalls[0]!.authorization!.slice('Bearer '.length);
    const logged = logger.lines.join('\n');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain('PRIVATE KEY');
    expect(metadata.requests).toEqual([]);
  });

  test('gcs auth | credentials without access to the bucket are PermissionDenied (403)', async () => {
    const keyFile = await writeKey('outsider.json', OUTSIDER, keys.outsider.privateKey, fake.tokenUri);
    await expect(collect(provider.list(gsUri('private', 'model'), makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile }))))
      .rejects.toMatchObject({ kind: 'PermissionDenied', status: 403, retryable: false });
  });

  test('gcs auth | a key the token endpoint refuses is PermissionDenied, and the key is not quoted', async () => {
    // Signed with the outsider's key but claiming to be the loader: the signature check fails.
    const keyFile = await writeKey('forged.json', SA, keys.outsider.privateKey, fake.tokenUri);
    const error = await collect(provider.list(gsUri('private', 'model'), makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'PermissionDenied', status: 400, retryable: false });
    expect((error as Error).message).toContain('Invalid JWT Signature');
    expect(JSON.stringify({ message: (error as Error).message, hint: (error as { hint?: string }).hint })).not.toContain('PRIVATE KEY');
  });

  test('gcs auth | a missing or malformed GOOGLE_APPLICATION_CREDENTIALS is InvalidConfig', async () => {
    await expect(collect(provider.list(gsUri('public', 'model'), makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'absent.json') }))))
      .rejects.toMatchObject({ kind: 'InvalidConfig', retryable: false });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nsecret');
    const error = await collect(provider.list(gsUri('public', 'model'), makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: broken }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'InvalidConfig' });
    expect((error as Error).message).not.toContain('secret');
  });

  test('gcs auth | a key with Google\'s own token_uri goes through google-auth-library, which honours HTTPS_PROXY', async () => {
    const connects: string[] = [];
    const proxy: Server = createServer((_req, res) => { res.writeHead(502); res.end(); });
    proxy.on('connect', (req, socket) => {
      connects.push(req.url ?? '');
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    process.env.HTTPS_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    process.env.NO_PROXY = '127.0.0.1';
    try {
      const keyFile = await writeKey('google.json', SA, keys.loader.privateKey, 'https://oauth2.googleapis.com/token');
      const error = await collect(provider.list(gsUri('private', 'model'), makeCtx({ ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile }))).catch((e: unknown) => e);
      expect(connects.length).toBeGreaterThan(0);
      expect(connects.every((target) => target === 'www.googleapis.com:443')).toBe(true);
      expect(error).toMatchObject({ kind: 'Unavailable', retryable: true });
      expect(metadata.requests).toEqual([]);
    } finally {
      delete process.env.HTTPS_PROXY;
      delete process.env.NO_PROXY;
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test('gcs auth | GCS_USE_ADC asks the metadata server (GKE Workload Identity) and sends its token', async () => {
    const before = fake.requests.length;
    const ctx = makeCtx({ ...env, GCS_USE_ADC: 'true' });
    const objects = await collect(provider.list(gsUri('private', 'model'), ctx));
    expect(objects.map((o) => o.path)).toEqual(['weights.bin']);
    expect(metadata.requests.some((r) => r.path.endsWith('/service-accounts/default/token') && r.flavor === 'Google')).toBe(true);
    const storageCalls = fake.requests.slice(before).filter((r) => r.path.startsWith('/storage/'));
    expect(storageCalls.every((r) => r.authorization?.startsWith('Bearer ya29.fake-'))).toBe(true);
  });
});
