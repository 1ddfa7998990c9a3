/**
 * Flat listing by prefix with KServe's layout, minus kserve#3776: `c/models/v1` lists `models/v1/` first
 * and only when that holds nothing falls back to the raw string prefix `models/v1` (which is how KServe
 * lists, so `models/v10/…` comes along only when there is no `models/v1/` at all). An exact blob lands as its
 * basename; the container root lists everything. Folder markers (names ending '/', and ADLS Gen2 directory
 * blobs with metadata hdi_isfolder=true) are skipped.
 */
import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import type { RemoteObject } from '@mr-init/core';

/** Largest page the List Blobs API returns. */
export const LIST_PAGE_SIZE = 5000;

/** Everything `list()` needs besides the container client. */
export interface ListTarget {
  container: ContainerClient;
  /** Decoded blob path or prefix from the URI ('' = container root). */
  path: string;
  /** Builds the RemoteObject.location of a blob name. */
  locate(name: string): string;
  signal?: AbortSignal;
}

/** The objects the URI names, in listing order. */
export async function* listObjects(target: ListTarget): AsyncGenerator<RemoteObject> {
  const { path } = target;
  if (path === '' || path.endsWith('/')) {
    // The container root, or an explicit folder: no raw-prefix fallback that could widen it.
    for await (const item of blobsUnder(target, path)) yield toRemoteObject(item, item.name.slice(path.length), target);
    return;
  }
  let found = false;
  for await (const item of blobsUnder(target, `${path}/`)) {
    found = true;
    yield toRemoteObject(item, item.name.slice(path.length + 1), target);
  }
  if (found) return;

  let first = true;
  for await (const item of blobsUnder(target, path, true)) {
    // Names sort lexicographically, so an exact blob is the first name with this prefix.
    if (first && item.name === path) {
      if (!isFolderMarker(item)) yield toRemoteObject(item, basename(path), target);
      return;
    }
    first = false;
    if (isFolderMarker(item)) continue;
    yield toRemoteObject(item, item.name.slice(path.length).replace(/^\/+/, ''), target);
  }
}

/** Blobs whose names start with `prefix`, folder markers left out unless `withMarkers`. */
async function* blobsUnder(target: ListTarget, prefix: string, withMarkers = false): AsyncGenerator<BlobItem> {
  const options = { includeMetadata: true, ...(prefix === '' ? {} : { prefix }), ...(target.signal ? { abortSignal: target.signal } : {}) };
  for await (const page of target.container.listBlobsFlat(options).byPage({ maxPageSize: LIST_PAGE_SIZE })) {
    for (const item of page.segment.blobItems) {
      if (withMarkers || !isFolderMarker(item)) yield item;
    }
  }
}

/** A name ending in '/' (created by tools that mimic folders) or an ADLS Gen2 directory. */
export function isFolderMarker(item: Pick<BlobItem, 'name' | 'metadata'>): boolean {
  if (item.name.endsWith('/')) return true;
  for (const [key, value] of Object.entries(item.metadata ?? {})) {
    if (key.toLowerCase() === 'hdi_isfolder' && String(value).toLowerCase() === 'true') return true;
  }
  return false;
}

function toRemoteObject(item: BlobItem, path: string, target: ListTarget): RemoteObject {
  const props = item.properties;
  const object: RemoteObject = {
    path,
    size: typeof props.contentLength === 'number' ? props.contentLength : -1,
    location: target.locate(item.name),
  };
  if (props.contentMD5 !== undefined && props.contentMD5.length === 16) {
    object.checksums = [{ algorithm: 'md5', value: Buffer.from(props.contentMD5).toString('hex') }];
  }
  if (props.etag) object.version = quoteEtag(props.etag);
  if (props.contentType) object.contentType = props.contentType;
  return object;
}

/** List Blobs returns ETags bare (0x8D…); If-Match wants the quoted form the blob's headers carry. */
export function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
