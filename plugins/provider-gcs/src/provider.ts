/**
 * @mr-init/provider-gcs: gs://bucket/path through @google-cloud/storage, with KServe's layout, pinned
 * generations, the object's crc32c/md5 for verification, and no metadata-server probing when anonymous.
 */
import { Readable } from 'node:stream';
import type { Bucket } from '@google-cloud/storage';
import type { ByteRange, Capabilities, ProviderContext, RemoteObject, StorageProvider } from '@mr-init/core';
import { clearClients, getClient, type GcsClient } from './client.js';
import { abortedError, toProviderError, type Operation } from './errors.js';
import {
  LIST_FIELDS, basename, listPrefix, mayBeSingleObject, parseGsUri, relativePath, splitLocation, toRemoteObject,
  type GcsObjectMetadata,
} from './layout.js';
import { resolveGcsOptions, type GcsOptions } from './options.js';
import { openReadStream } from './read.js';

/** Debug-log namespace of this provider. */
export const DEBUG_NAMESPACE = 'mr-init:gcs';

/** What GCS offers the engine. */
export const capabilities: Capabilities = {
  rangedRead: true,
  prefixListing: true,
  checksums: ['crc32c', 'md5'],
  versionPinning: true,
  listMaxPageSize: 1000,
};

const announced = new WeakSet<GcsClient>();

async function clientFor(ctx: ProviderContext): Promise<GcsClient & { options: GcsOptions }> {
  const options = resolveGcsOptions(ctx.env, ctx.settings);
  const client = await getClient(options);
  if (!announced.has(client)) {
    announced.add(client);
    // The key file's path is not a secret; its contents never leave auth.ts.
    ctx.logger.debug(`${DEBUG_NAMESPACE} client`, { endpoint: options.endpoint, auth: client.authMode, credentialsFile: options.credentialsFile });
  }
  return { ...client, options };
}

async function* list(uri: URL, ctx: ProviderContext): AsyncIterable<RemoteObject> {
  const { bucket: bucketName, path } = parseGsUri(uri);
  const { storage, authMode, options } = await clientFor(ctx);
  const bucket = storage.bucket(bucketName);
  const prefix = listPrefix(path);
  const where: Operation = { op: 'list', target: `gs://${bucketName}/${prefix}`, authMode };

  let found = 0;
  let pageToken: string | undefined;
  do {
    if (ctx.signal.aborted) throw abortedError(where, ctx.signal.reason);
    const page = await listPage(bucket, prefix, options.listPageSize, pageToken, where);
    ctx.logger.debug(`${DEBUG_NAMESPACE} list page`, { target: where.target, items: page.items.length, more: page.nextPageToken !== undefined });
    for (const item of page.items) {
      if (item.name === undefined || item.name.endsWith('/')) continue; // folder markers
      found += 1;
      yield toRemoteObject(bucketName, item, relativePath(item.name, prefix));
    }
    pageToken = page.nextPageToken;
  } while (pageToken);

  if (found === 0 && mayBeSingleObject(path)) {
    const single = await statObject(bucket, path, { op: 'stat', target: `gs://${bucketName}/${path}`, authMode });
    if (single) yield toRemoteObject(bucketName, single, basename(path));
  }
}

interface ListPage {
  items: GcsObjectMetadata[];
  nextPageToken?: string;
}

async function listPage(bucket: Bucket, prefix: string, maxResults: number, pageToken: string | undefined, where: Operation): Promise<ListPage> {
  try {
    const [, , response] = await bucket.getFiles({
      autoPaginate: false,
      prefix,
      maxResults,
      fields: LIST_FIELDS,
      ...(pageToken ? { pageToken } : {}),
    });
    const body = (response ?? {}) as { items?: GcsObjectMetadata[]; nextPageToken?: string };
    return { items: body.items ?? [], nextPageToken: body.nextPageToken || undefined };
  } catch (error) {
    throw toProviderError(error, where);
  }
}

/** The object's metadata, or undefined when there is no such object. */
async function statObject(bucket: Bucket, name: string, where: Operation): Promise<GcsObjectMetadata | undefined> {
  try {
    const [metadata] = await bucket.file(name).getMetadata();
    return metadata as GcsObjectMetadata;
  } catch (error) {
    const mapped = toProviderError(error, where);
    if (mapped.kind === 'NotFound') return undefined;
    throw mapped;
  }
}

async function read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
  const { bucket: bucketName, path: name } = splitLocation(obj.location);
  const { storage, authMode } = await clientFor(ctx);
  const where: Operation = { op: 'read', target: `gs://${bucketName}/${name}${range ? ` bytes ${range.start}-${range.end - 1}` : ''}`, authMode };
  if (range && range.end <= range.start) return Readable.from([]);
  const bucket = storage.bucket(bucketName);
  const pinned = obj.version !== undefined && /^\d+$/.test(obj.version);
  return openReadStream({
    // generation=N makes GCS serve exactly the listed bytes (or 404 once that generation is gone).
    file: bucket.file(name, pinned ? { generation: obj.version } : {}),
    live: bucket.file(name),
    range,
    version: pinned ? obj.version : undefined,
    signal: ctx.signal,
    where,
  });
}

/** The GCS provider. */
const provider: StorageProvider = {
  name: 'gcs',
  capabilities,
  list,
  read,
  async close() {
    clearClients();
  },
};

export default provider;
