/**
 * Every storage backend mr-init ships a provider for, on 127.0.0.1: an HTTP origin, S3 (s3rver), GCS (the fake
 * JSON API), Azure Blob (Azurite) and WebHDFS (the fake NameNode/DataNode). Each is seeded through its own wire
 * protocol and comes with the variables KServe would inject to reach it (credentials, endpoint), plus a set
 * of credentials the server refuses. Used by the end-to-end tests of the CLI and of the assembled tree.
 */
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteServer } from '../servers/azurite.js';
import { startFakeGcs, type FakeGcs } from '../servers/gcs/index.js';
import { startHttpOrigin, type HttpOrigin } from '../servers/http-origin.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHandle } from '../servers/s3rver.js';
import { startWebHdfs, type WebHdfs } from '../servers/webhdfs/index.js';

export const BACKENDS = ['http', 's3', 'gcs', 'azure', 'hdfs'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** One file of a model, its path relative to the model's folder. */
export interface ModelFile {
  path: string;
  body: Buffer;
}

export interface Backend {
  name: BackendName;
  /**
   * Stores `files` under `key` (e.g. `iris/v1`) and returns the model's storage URI: the folder, or for
   * http (where a URI names one file, as in KServe) the file, so http takes exactly one file.
   */
  put(key: string, files: ModelFile[]): Promise<string>;
  /** The storage URI of `key`, seeded or not (a missing key is how tests get ErrStorageNotFound). */
  uri(key: string): string;
  /** The variables (KServe's names) that reach this server with credentials it accepts. */
  env: Record<string, string>;
  /** The same variables with credentials it refuses. */
  wrongEnv: Record<string, string>;
  /** The secret values in env and wrongEnv, which must never appear in any output. */
  secrets: string[];
  /** Ranged reads served so far for objects under `key`, where the server records them (not s3rver, Azurite). */
  rangedReads?(key: string): number;
}

export interface Backends {
  [name: string]: Backend;
  http: Backend;
  s3: Backend;
  gcs: Backend;
  azure: Backend;
  hdfs: Backend;
}

export interface RunningBackends {
  backends: Backends;
  /** A folder (mode 0755, so another uid can read the credential files in it) removed by close(). */
  dir: string;
  close(): Promise<void>;
}

const BUCKET = 'models';
const AZURE_HOST = 'devstoreaccount1.blob.core.windows.net';
const GCS_READER = 'model-loader@test-project.iam.gserviceaccount.com';
const GCS_OUTSIDER = 'outsider@test-project.iam.gserviceaccount.com';
const HDFS_TOKEN = 'hdfs-delegation-token-for-tests';
const HTTP_TOKEN = 'http-token-for-tests';

/**
 * A small model: a config, a nested file and one multi-MiB file (fetched in several ranged parts when
 * MR_INIT_PART_SIZE is small). Random bytes, so two models never share content.
 */
export function modelFiles(label: string, bigSize = 2 * 1024 * 1024 + 4321): ModelFile[] {
  return [
    { path: 'config.json', body: Buffer.from(JSON.stringify({ model: label, framework: 'sklearn' }) + '\n') },
    { path: 'tokenizer/vocab/words.txt', body: Buffer.from(`${label}\n${randomBytes(512).toString('hex')}\n`) },
    { path: 'weights/model.bin', body: randomBytes(bigSize) },
  ];
}

/** A file's identity for comparisons: size and sha256 (jest compares big Buffers byte by byte, slowly). */
function digest(body: Buffer): string {
  return `${body.length} bytes, sha256 ${createHash('sha256').update(body).digest('hex')}`;
}

/** The files a model server would see under `dir` (hidden bookkeeping skipped): relative path → digest. */
export function treeDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else out[rel] = digest(readFileSync(join(dir, rel)));
    }
  };
  walk('');
  return out;
}

/** `files` as treeDigests() describes them once downloaded. */
export function fileDigests(files: ModelFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.path, digest(f.body)]));
}

/** Starts the chosen backends (default: all) at once, each seeded with nothing yet. */
export async function startBackends(names: readonly BackendName[] = BACKENDS): Promise<RunningBackends> {
  const dir = mkdtempSync(join(tmpdir(), 'mr-init-backends-'));
  chmodSync(dir, 0o755);
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    await Promise.allSettled(closers.splice(0).map((c) => c()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await Promise.all(names.map(async (name): Promise<Backend> => {
      switch (name) {
        case 'http': return await httpBackend(closers);
        case 's3': return await s3Backend(closers);
        case 'gcs': return await gcsBackend(closers, dir);
        case 'azure': return await azureBackend(closers);
        case 'hdfs': return await hdfsBackend(closers, dir);
      }
    }));
    return { backends: Object.fromEntries(started.map((b) => [b.name, b])) as unknown as Backends, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function httpBackend(closers: Array<() => Promise<void>>): Promise<Backend> {
  const origin: HttpOrigin = await startHttpOrigin();
  closers.push(() => origin.close());
  // KServe's HTTP credential: a `<hostname>-headers` JSON object. The origin refuses any other value.
  origin.requireHeaders({ Authorization: `Bearer ${HTTP_TOKEN}` });
  const variable = `${new URL(origin.url).hostname}-headers`;
  const names = new Map<string, string>();
  const uri = (key: string): string => `${origin.url}/${key}${names.has(key) ? `/${names.get(key)}` : ''}`;
  return {
    name: 'http',
    async put(key, files) {
      if (files.length !== 1) throw new Error(`an http model is one file, got ${files.length}`);
      const name = files[0]!.path.split('/').pop()!;
      names.set(key, name);
      origin.setFile(`/${key}/${name}`, { body: files[0]!.body, contentMd5: true });
      return uri(key);
    },
    uri,
    env: { [variable]: JSON.stringify({ Authorization: `Bearer ${HTTP_TOKEN}` }) },
    wrongEnv: { [variable]: JSON.stringify({ Authorization: 'Bearer not-the-token' }) },
    secrets: [HTTP_TOKEN, 'not-the-token'],
    rangedReads: (key) => origin.stats.requests.filter((r) => r.method === 'GET' && r.range && r.path.startsWith(`/${key}/`)).length,
  };
}

async function s3Backend(closers: Array<() => Promise<void>>): Promise<Backend> {
  const s3: S3rverHandle = await startS3rver({ buckets: [BUCKET] });
  closers.push(() => s3.close());
  const env = {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
  };
  return {
    name: 's3',
    async put(key, files) {
      for (const file of files) await s3.putObject(BUCKET, `${key}/${file.path}`, file.body);
      return `s3://${BUCKET}/${key}`;
    },
    uri: (key) => `s3://${BUCKET}/${key}`,
    env,
    // s3rver never checks a signature, but it does refuse an access key id it does not know.
    wrongEnv: { ...env, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0', AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
    // s3rver's own pair is the word S3RVER, which appears in harmless places (the server's messages).
    secrets: ['not-the-secret'],
  };
}

async function gcsBackend(closers: Array<() => Promise<void>>, dir: string): Promise<Backend> {
  const gcs: FakeGcs = await startFakeGcs();
  closers.push(() => gcs.close());
  const reader = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const outsider = generateKeyPairSync('rsa', { modulusLength: 2048 });
  gcs.addServiceAccount(GCS_READER, reader.publicKey);
  gcs.addServiceAccount(GCS_OUTSIDER, outsider.publicKey);
  // A private bucket: only the reader's tokens get in, so the credentials really are checked.
  gcs.createBucket(BUCKET, { readers: [GCS_READER] });
  const keyFile = (file: string, email: string, key: KeyObject): string => {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify({
      type: 'service_account', project_id: 'test-project', private_key_id: `${file}-id`,
      private_key: key.export({ type: 'pkcs8', format: 'pem' }), client_email: email, client_id: '1234567890',
      token_uri: gcs.tokenUri,
    }), { mode: 0o644 });
    return path;
  };
  const env = { STORAGE_EMULATOR_HOST: gcs.emulatorHost, GOOGLE_APPLICATION_CREDENTIALS: keyFile('gcs-reader.json', GCS_READER, reader.privateKey) };
  return {
    name: 'gcs',
    async put(key, files) {
      for (const file of files) gcs.putObject(BUCKET, `${key}/${file.path}`, file.body);
      return `gs://${BUCKET}/${key}`;
    },
    uri: (key) => `gs://${BUCKET}/${key}`,
    env,
    wrongEnv: { ...env, GOOGLE_APPLICATION_CREDENTIALS: keyFile('gcs-outsider.json', GCS_OUTSIDER, outsider.privateKey) },
    secrets: ['PRIVATE KEY', 'ya29.'],
    rangedReads: (key) => gcs.requests.filter((r) => r.range && decodeURIComponent(r.path).includes(`/o/${key}/`)).length,
  };
}

async function azureBackend(closers: Array<() => Promise<void>>): Promise<Backend> {
  const azurite: AzuriteServer = await startAzurite();
  closers.push(() => azurite.close());
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const container = new BlobServiceClient(azurite.blobEndpoint,
    new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey), { retryOptions: { maxTries: 1 } })
    .getContainerClient(BUCKET);
  await container.create();
  // Another valid-looking key: Azurite checks the SharedKey signature and answers 403.
  const wrongKey = Buffer.from('not the devstoreaccount1 key, but base64 all the same').toString('base64');
  return {
    name: 'azure',
    async put(key, files) {
      for (const file of files) await container.getBlockBlobClient(`${key}/${file.path}`).uploadData(file.body);
      return `https://${AZURE_HOST}/${BUCKET}/${key}`;
    },
    // The production form of the URI; the connection string's BlobEndpoint sends it to Azurite.
    uri: (key) => `https://${AZURE_HOST}/${BUCKET}/${key}`,
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    wrongEnv: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(azurite.accountKey, wrongKey) },
    secrets: [azurite.accountKey, wrongKey],
  };
}

async function hdfsBackend(closers: Array<() => Promise<void>>, dir: string): Promise<Backend> {
  // A secured cluster: every NameNode call needs the delegation token, given here as KServe's HEADERS key.
  const hdfs: WebHdfs = await startWebHdfs({ delegationToken: HDFS_TOKEN });
  closers.push(() => hdfs.close());
  // The secret as KServe mounts it: one file per key.
  const secret = (name: string, token: string): string => {
    const path = join(dir, name);
    mkdirSync(path, { mode: 0o755 });
    writeFileSync(join(path, 'HDFS_NAMENODE'), hdfs.url, { mode: 0o644 });
    writeFileSync(join(path, 'HEADERS'), JSON.stringify({ 'X-Hadoop-Delegation-Token': token }), { mode: 0o644 });
    return path;
  };
  return {
    name: 'hdfs',
    async put(key, files) {
      for (const file of files) hdfs.putFile(`/${BUCKET}/${key}/${file.path}`, file.body);
      return `hdfs://${BUCKET}/${key}`;
    },
    // KServe's form: the URI's "host" is the first path segment (hdfs://models/iris/v1 → /models/iris/v1).
    uri: (key) => `hdfs://${BUCKET}/${key}`,
    env: { HDFS_SECRET_DIR: secret('hdfscreds', HDFS_TOKEN) },
    wrongEnv: { HDFS_SECRET_DIR: secret('hdfscreds-wrong', 'not-the-token') },
    secrets: [HDFS_TOKEN, 'not-the-token'],
    rangedReads: (key) => hdfs.requests.filter((r) => r.node === 'datanode' && r.query.length !== undefined && r.path.startsWith(`/${BUCKET}/${key}/`)).length,
  };
}
