/**
 * KServe's destination layout over ListObjectsV2:
 * - `s3://b/m/model.onnx` (an exact key) → one object at `model.onnx`;
 * - `s3://b/m` → `m/` listed first, paths relative to it; only when no key starts with `m/` is the raw
 *   prefix `m` listed (KServe's behaviour), so `s3://b/models/v1` never pulls `models/v10/…` (kserve#3776);
 * - `s3://b/m/` → everything below `m/`; `s3://b` → the whole bucket;
 * - folder markers (keys ending in `/`) are skipped.
 */
import type { Logger, RemoteObject } from '@mr-init/core';
import type { _Object as S3Object } from '@aws-sdk/client-s3';
import { checksumsFromHeaders, HEADER_ALGORITHMS, md5FromEtag } from './checksums.js';
import type { S3Clients } from './client.js';
import { DEBUG_NAMESPACE } from './options.js';
import { providerError, toProviderError } from './errors.js';

/** Concurrent HeadObject calls per page when fetching x-amz-checksum-* for multipart objects. */
const HEAD_CONCURRENCY = 8;

/** Bucket and key of an `s3://bucket/key` (or `s3a://`) URI; the key is percent-decoded once. */
export function parseS3Uri(uri: URL): { bucket: string; key: string } {
  const bucket = safeDecode(uri.hostname);
  if (!bucket) {
    throw providerError('InvalidConfig', false, `s3: ${uri.protocol}//… names no bucket`, 'Use s3://<bucket>/<key or prefix>.');
  }
  // KServe strips every leading '/', so s3://b//m is the key m.
  return { bucket, key: safeDecode(uri.pathname).replace(/^\/+/, '') };
}

/** `bucket/key`, the opaque `location` handed back to `read()`; bucket names never contain '/'. */
export function toLocation(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}

export function fromLocation(location: string): { bucket: string; key: string } {
  const slash = location.indexOf('/');
  return { bucket: location.slice(0, slash), key: location.slice(slash + 1) };
}

/** Every object under `uri`, following KServe's layout rules (see the file comment). */
export async function* listS3(clients: S3Clients, uri: URL, logger: Logger, signal?: AbortSignal): AsyncGenerator<RemoteObject> {
  const { bucket, key } = parseS3Uri(uri);
  const lister = new Lister(clients, bucket, logger, signal);
  if (key === '' || key.endsWith('/')) {
    yield* lister.below(key, key.length);
    return;
  }
  // The exact key sorts before every other key it prefixes, so one key tells whether it exists.
  const [first] = await lister.page(key, undefined, 1);
  const exact = first?.Contents?.[0];
  if (!exact?.Key) return;
  if (exact.Key === key) {
    yield lister.toRemote(exact, key.slice(key.lastIndexOf('/') + 1));
    return;
  }
  let found = 0;
  for await (const object of lister.below(`${key}/`, key.length + 1, () => found++)) yield object;
  if (found > 0) return;
  logger.warn(`${DEBUG_NAMESPACE}: nothing under s3://${bucket}/${key}/; listing the raw prefix "${key}" as KServe does`);
  yield* lister.below(key, key.length);
}

class Lister {
  constructor(
    private readonly clients: S3Clients,
    private readonly bucket: string,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {}

  /** Objects below `prefix`, with paths made relative by dropping `strip` characters (and any leading '/'). */
  async *below(prefix: string, strip: number, onKey?: () => void): AsyncGenerator<RemoteObject> {
    let token: string | undefined;
    do {
      const [page, next] = await this.page(prefix, token);
      token = next;
      const objects: RemoteObject[] = [];
      const pending: Array<() => Promise<void>> = [];
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        onKey?.();
        if (entry.Key.endsWith('/')) continue;
        const path = entry.Key.slice(strip).replace(/^\/+/, '');
        if (path === '') continue;
        const object = this.toRemote(entry, path);
        objects.push(object);
        if (!object.checksums && entry.ChecksumAlgorithm?.some((a) => HEADER_ALGORITHMS.has(a))) {
          const entryKey = entry.Key;
          pending.push(() => this.addHeaderChecksums(object, entryKey));
        }
      }
      await runLimited(pending, HEAD_CONCURRENCY);
      yield* objects;
    } while (token);
  }

  /** One ListObjectsV2 page and the token of the next one (undefined at the end). */
  async page(prefix: string, token?: string, maxKeys?: number): Promise<[{ Contents?: S3Object[] }, string | undefined]> {
    try {
      const out = await this.clients.list.send(new this.clients.sdk.ListObjectsV2Command({
        Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: maxKeys,
      }), { abortSignal: this.signal });
      if (out.IsTruncated && !out.NextContinuationToken && maxKeys === undefined) {
        throw providerError('Unexpected', false, `s3: ListObjectsV2 s3://${this.bucket}/${prefix} is truncated but gave no continuation token`);
      }
      return [out, out.IsTruncated ? out.NextContinuationToken : undefined];
    } catch (error) {
      throw toProviderError(error, { operation: 'ListObjectsV2', bucket: this.bucket, key: prefix });
    }
  }

  toRemote(entry: S3Object, path: string): RemoteObject {
    const md5 = md5FromEtag(entry.ETag);
    return {
      path,
      size: entry.Size ?? -1,
      location: toLocation(this.bucket, entry.Key!),
      ...(entry.ETag ? { version: entry.ETag } : {}),
      ...(md5 ? { checksums: [md5] } : {}),
    };
  }

  /** A multipart object has no MD5; where the listing says it carries x-amz-checksum-*, fetch them with one HEAD. */
  private async addHeaderChecksums(object: RemoteObject, key: string): Promise<void> {
    try {
      const head = await this.clients.list.send(new this.clients.sdk.HeadObjectCommand({
        Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED', IfMatch: object.version,
      }), { abortSignal: this.signal });
      const checksums = checksumsFromHeaders(head);
      if (checksums.length > 0) object.checksums = checksums;
    } catch (error) {
      // A checksum is a bonus here: without it the engine still verifies the size.
      this.logger.debug(`${DEBUG_NAMESPACE} HeadObject for checksums failed`, { key, error: String(error) });
    }
  }
}

/** Runs the tasks `limit` at a time. */
async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  for (let i = 0; i < tasks.length; i += limit) await Promise.all(tasks.slice(i, i + limit).map((task) => task()));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
