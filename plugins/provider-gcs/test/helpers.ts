/** Shared by the GCS provider tests: a ProviderContext, URIs, and stream/listing collectors. */
import type { Readable } from 'node:stream';
import type { Logger, ProviderContext, RemoteObject } from '@mr-init/core';

/** A logger that keeps what it was given, so tests can check nothing secret was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (message: string, fields?: Record<string, unknown>) => { lines.push(`${message} ${JSON.stringify(fields ?? {})}`); };
  return { lines, debug: put, info: put, warn: put };
}

export function makeCtx(env: Record<string, string | undefined>, extra: Partial<ProviderContext> = {}): ProviderContext {
  return { env, settings: {}, logger: recordingLogger(), signal: new AbortController().signal, ...extra };
}

/** gs://bucket/key with each key segment percent-encoded, as a user would type it into a URL. */
export function gsUri(bucket: string, key = ''): URL {
  return new URL(`gs://${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
}

export async function collect(objects: AsyncIterable<RemoteObject>): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const object of objects) out.push(object);
  return out;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes (no two tests share a pattern by accident). */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
