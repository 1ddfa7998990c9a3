/** Shared test helpers: a context for s3rver, listing/reading to completion, and key → URI encoding. */
import type { Readable } from 'node:stream';
import type { ByteRange, ProviderContext, RemoteObject, StorageProvider } from '@mr-init/core';
import { S3RVER_CREDENTIALS, type S3rverHandle } from '../../../test/servers/s3rver.js';

export const silentLogger = { debug() {}, info() {}, warn() {} };

/** A provider context that reaches `server` with its key pair (plus `extra` variables). */
export function s3rverContext(server: { endpoint: string }, extra: Record<string, string | undefined> = {}): ProviderContext {
  return {
    env: {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ...extra,
    },
    settings: {},
    logger: silentLogger,
    signal: new AbortController().signal,
  };
}

/** `s3://bucket/<key>` with each path segment percent-encoded, as a URI from KServe would be. */
export function s3Uri(bucket: string, key = '', scheme = 's3'): URL {
  return new URL(`${scheme}://${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
}

/**
 * The kit's `seed` and `objectUri` for an S3 server: each seed goes under a fresh `root-N/` prefix of
 * `bucket`, written with the server's own `putObject` (read when called: the server starts later).
 */
export function seededRoots(bucket: string, putObject: () => (bucket: string, key: string, body: Buffer) => Promise<unknown>): {
  seed(files: Record<string, Buffer>): Promise<URL>;
  objectUri(root: URL, key: string): URL;
} {
  let roots = 0;
  return {
    async seed(files) {
      const root = `root-${++roots}`;
      const put = putObject();
      await Promise.all(Object.entries(files).map(([key, body]) => put(bucket, `${root}/${key}`, body)));
      return s3Uri(bucket, `${root}/`);
    },
    objectUri(root, key) {
      return new URL(root.href + key.split('/').map(encodeURIComponent).join('/'));
    },
  };
}

export async function listAll(provider: StorageProvider, uri: URL, ctx: ProviderContext): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const obj of provider.list(uri, ctx)) out.push(obj);
  return out;
}

export async function listPaths(provider: StorageProvider, uri: URL, ctx: ProviderContext): Promise<string[]> {
  return (await listAll(provider, uri, ctx)).map((o) => o.path).sort();
}

export async function readAll(provider: StorageProvider, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Buffer> {
  const stream: Readable = await provider.read(obj, range, ctx);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Seeds `files` (key → bytes) into `bucket`, `parallel` at a time. */
export async function seed(server: S3rverHandle, bucket: string, files: Record<string, Buffer>, parallel = 16): Promise<void> {
  const entries = Object.entries(files);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const [key, body] = entries[next++]!;
      await server.putObject(bucket, key, body);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Runs `fn` and returns what it threw; fails when it did not throw. */
export async function caught(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, but the call succeeded');
}
