/**
 * s3rver (a real S3 wire-protocol server from npm) as a child process on 127.0.0.1, for tests that drive
 * the real AWS SDK. Quirks to design around: it must run under `--openssl-legacy-provider` (its listing
 * pages fail otherwise), it checks only that a SigV4 access key id exists (the secret is never
 * verified), it ignores If-Match on GET, and it mis-serves suffix ranges (`bytes=-N`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';

/** The one key pair s3rver knows; any other access key id is refused with InvalidAccessKeyId. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverOptions {
  /** Buckets created (empty) at start. */
  buckets?: string[];
  /** Serve HTTPS with this PEM key and certificate (file paths); the seeding client trusts `cert`. */
  tls?: { key: string; cert: string };
}

export interface S3rverHandle {
  /** `http(s)://127.0.0.1:<port>`, for AWS_ENDPOINT_URL (path-style addressing). */
  endpoint: string;
  port: number;
  createBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

/** Starts s3rver on an ephemeral port with a fresh data directory and the given (empty) buckets. */
export async function startS3rver(opts: S3rverOptions = {}): Promise<S3rverHandle> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const directory = await mkdtemp(join(tmpdir(), 'mr-init-s3rver-'));
  const args = ['-d', directory, '-a', '127.0.0.1', '-p', '0', '--silent',
    ...(opts.tls ? ['--key', opts.tls.key, '--cert', opts.tls.cert] : [])];
  // Runs s3rver's own CLI, exiting when stdin closes: if the test process dies without close(), the
  // server does not outlive it.
  const launcher = `process.stdin.on('end', () => process.exit(0)).resume();
    process.argv = [process.argv[0], ${JSON.stringify(bin)}, ...process.argv.slice(1)];
    require(${JSON.stringify(bin)});`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', launcher, '--', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let port: number;
  try {
    port = await waitForPort(child);
  } catch (error) {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = opts.tls ? await readFile(opts.tls.cert, 'utf8') : undefined;

  let client: S3Client | undefined;
  const sdk = await import('@aws-sdk/client-s3');
  // The SDK's Node-version notice would clutter test output; this process is a test, not the CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const getClient = (): S3Client => (client ??= new sdk.S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    ...(ca ? { requestHandler: { httpsAgent: new HttpsAgent({ ca }) } } : {}),
  }));

  const handle: S3rverHandle = {
    endpoint,
    port,
    async createBucket(bucket) {
      await getClient().send(new sdk.CreateBucketCommand({ Bucket: bucket }));
    },
    async putObject(bucket, key, body) {
      await getClient().send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
    },
    async deleteObject(bucket, key) {
      await getClient().send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async close() {
      client?.destroy();
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
  try {
    for (const bucket of opts.buckets ?? []) await handle.createBucket(bucket);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match) done(() => resolve(Number(match[1])));
    };
    const onExit = (code: number | null): void => fail(new Error(`s3rver exited (${code}) before listening: ${output}`));
    const done = (settle: () => void): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      settle();
    };
    const fail = (error: Error): void => done(() => reject(error));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
