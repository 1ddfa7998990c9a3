/**
 * gs:// URIs and KServe's destination layout: `gs://b/p` lists `p/` (so v1 never pulls v10); when nothing is
 * there, `p` is one object landing at <dest>/<basename>; `gs://b` is the whole bucket; '/'-suffixed folder
 * markers are skipped; paths are relative to the listed prefix.
 */
import type { Checksum, RemoteObject } from '@mr-init/core';
import { invalidConfig } from './options.js';

/** The bucket and the object path (decoded, without the leading '/') of a gs:// URI. */
export interface GsLocation {
  bucket: string;
  path: string;
}

/** The object fields list() reads (listing items and object metadata share them). */
export interface GcsObjectMetadata {
  name?: string;
  size?: string | number;
  generation?: string | number;
  md5Hash?: string;
  crc32c?: string;
  contentType?: string;
  contentEncoding?: string;
}

/** Fields asked of the listing API (a partial response: smaller pages). */
export const LIST_FIELDS = 'items(name,size,generation,md5Hash,crc32c,contentType,contentEncoding),nextPageToken';

/** Splits gs://bucket/path. The URL parser percent-encodes spaces and non-ASCII characters: undo it. */
export function parseGsUri(uri: URL): GsLocation {
  const bucket = decode(uri.hostname);
  if (bucket === '') {
    throw invalidConfig(`gcs: ${uri.href} names no bucket`, 'Use gs://<bucket>[/<path>].');
  }
  return { bucket, path: decode(uri.pathname.replace(/^\//, '')) };
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a literal '%' that is not an escape
  }
}

/** The prefix listed for a path: '' for the bucket root, else the path with one trailing '/'. */
export function listPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

/** True when nothing under the prefix means "try the path as one object" (not for the root or 'p/'). */
export function mayBeSingleObject(path: string): boolean {
  return path !== '' && !path.endsWith('/');
}

/** Destination path of a listed name: relative to the prefix, leading '/' dropped as KServe's lstrip does. */
export function relativePath(name: string, prefix: string): string {
  return name.slice(prefix.length).replace(/^\/+/, '');
}

/** Last segment of an object path: where a single object lands. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `bucket/name`, handed back to read(); bucket names cannot contain '/'. */
export function objectLocation(bucket: string, name: string): string {
  return `${bucket}/${name}`;
}

/** Inverse of objectLocation. */
export function splitLocation(location: string): GsLocation {
  const slash = location.indexOf('/');
  return { bucket: location.slice(0, slash), path: location.slice(slash + 1) };
}

/**
 * The RemoteObject for one GCS object. An object stored with Content-Encoding gzip is served decompressed
 * (KServe writes the decoded file), so its stored size and hashes say nothing about the bytes written:
 * it is reported with size -1 and no checksums, and fetched as one stream.
 */
export function toRemoteObject(bucket: string, item: GcsObjectMetadata, path: string): RemoteObject {
  const name = item.name ?? '';
  const transcoded = (item.contentEncoding ?? '').toLowerCase().includes('gzip');
  const size = Number(item.size);
  const checksums: Checksum[] = [];
  if (!transcoded) {
    if (item.crc32c) checksums.push({ algorithm: 'crc32c', value: base64ToHex(item.crc32c) });
    if (item.md5Hash) checksums.push({ algorithm: 'md5', value: base64ToHex(item.md5Hash) });
  }
  return {
    path,
    size: transcoded || !Number.isSafeInteger(size) ? -1 : size,
    location: objectLocation(bucket, name),
    ...(checksums.length > 0 ? { checksums } : {}),
    ...(item.generation !== undefined ? { version: String(item.generation) } : {}),
    ...(item.contentType ? { contentType: item.contentType } : {}),
  };
}

/** GCS reports hashes in base64 (crc32c: 4 bytes big-endian); the contract wants lowercase hex. */
export function base64ToHex(value: string): string {
  return Buffer.from(value, 'base64').toString('hex');
}
