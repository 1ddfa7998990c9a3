/**
 * The fake GCS's state: buckets and objects with the JSON API's object resource, and listing with GCS's
 * semantics (byte-order sort, prefix, delimiter, opaque page tokens).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';

export interface StoredObject {
  name: string;
  /** Bytes as stored (gzip bytes when contentEncoding is gzip). */
  body: Buffer;
  generation: string;
  metageneration: string;
  contentType: string;
  contentEncoding?: string;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
}

export interface Bucket {
  name: string;
  /** Service-account emails allowed to read; undefined = public (anonymous reads allowed). */
  readers?: string[];
  objects: Map<string, StoredObject>;
}

/** CRC32C of the bytes as GCS reports it: 4 bytes big-endian, base64. */
export function crc32cBase64(body: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(body) >>> 0);
  return out.toString('base64');
}

export class Store {
  readonly buckets = new Map<string, Bucket>();
  private lastGeneration = 0;

  createBucket(name: string, readers?: string[]): Bucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { name, objects: new Map(), ...(readers ? { readers } : {}) };
      this.buckets.set(name, bucket);
    } else if (readers) {
      bucket.readers = readers;
    }
    return bucket;
  }

  put(bucketName: string, name: string, body: Buffer, opts: { contentType?: string; contentEncoding?: string } = {}): StoredObject {
    const bucket = this.buckets.get(bucketName) ?? this.createBucket(bucketName);
    // Generations are microsecond timestamps in GCS; strictly increasing here.
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    const now = new Date().toISOString();
    const object: StoredObject = {
      name,
      body: Buffer.from(body),
      generation: String(this.lastGeneration),
      metageneration: '1',
      contentType: opts.contentType ?? 'application/octet-stream',
      ...(opts.contentEncoding ? { contentEncoding: opts.contentEncoding } : {}),
      md5Hash: createHash('md5').update(body).digest('base64'),
      crc32c: crc32cBase64(body),
      timeCreated: now,
      updated: now,
    };
    bucket.objects.set(name, object);
    return object;
  }

  delete(bucketName: string, name: string): void {
    this.buckets.get(bucketName)?.objects.delete(name);
  }
}

/** The JSON API object resource. */
export function objectResource(base: string, bucket: string, o: StoredObject): Record<string, unknown> {
  const encoded = encodeURIComponent(o.name);
  return {
    kind: 'storage#object',
    id: `${bucket}/${o.name}/${o.generation}`,
    selfLink: `${base}/storage/v1/b/${bucket}/o/${encoded}`,
    mediaLink: `${base}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket,
    generation: o.generation,
    metageneration: o.metageneration,
    contentType: o.contentType,
    ...(o.contentEncoding ? { contentEncoding: o.contentEncoding } : {}),
    storageClass: 'STANDARD',
    size: String(o.body.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.updated,
    timeStorageClassUpdated: o.timeCreated,
  };
}

/** Bytes a reader gets when GCS transcodes (no gzip accepted): the decompressed body. */
export function decodedBody(o: StoredObject): Buffer {
  return o.contentEncoding === 'gzip' ? gunzipSync(o.body) : o.body;
}

export interface ListQuery {
  prefix: string;
  delimiter?: string;
  maxResults: number;
  pageToken?: string;
  startOffset?: string;
  endOffset?: string;
}

/** objects.list: items and prefixes in UTF-8 byte order, paged by maxResults with an opaque token. */
export function listBucket(bucket: Bucket, q: ListQuery): { items: StoredObject[]; prefixes: string[]; nextPageToken?: string } {
  const after = q.pageToken ? Buffer.from(q.pageToken, 'base64url').toString('utf8') : undefined;
  const names = [...bucket.objects.keys()]
    .filter((n) => n.startsWith(q.prefix))
    .filter((n) => q.startOffset === undefined || byteCompare(n, q.startOffset) >= 0)
    .filter((n) => q.endOffset === undefined || byteCompare(n, q.endOffset) < 0)
    .sort(byteCompare);
  // Each entry is an object name, or a prefix (cut after the delimiter) standing for everything below it.
  const entries: Array<{ key: string; prefix: boolean }> = [];
  for (const name of names) {
    const cut = q.delimiter ? name.indexOf(q.delimiter, q.prefix.length) : -1;
    const entry = cut >= 0 ? { key: name.slice(0, cut + q.delimiter!.length), prefix: true } : { key: name, prefix: false };
    const last = entries[entries.length - 1];
    if (!last || last.key !== entry.key || last.prefix !== entry.prefix) entries.push(entry);
  }
  const start = after === undefined ? 0 : entries.findIndex((e) => byteCompare(e.key, after) > 0);
  const page = start < 0 ? [] : entries.slice(start, start + q.maxResults);
  const more = start >= 0 && start + q.maxResults < entries.length;
  return {
    items: page.filter((e) => !e.prefix).map((e) => bucket.objects.get(e.key)!),
    prefixes: page.filter((e) => e.prefix).map((e) => e.key),
    ...(more ? { nextPageToken: Buffer.from(page[page.length - 1]!.key).toString('base64url') } : {}),
  };
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
