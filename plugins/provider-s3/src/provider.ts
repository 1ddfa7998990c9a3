/**
 * `@mr-init/provider-s3`: Amazon S3 and S3-compatible stores (`s3://`, `s3a://`). Listing follows KServe's
 * layout (see list.ts); reads are ranged GETs pinned to the listed ETag.
 */
import { Readable } from 'node:stream';
import type { ByteRange, ProviderContext, ProviderLimits, RemoteObject, StorageProvider } from '@mr-init/core';
import { normalizeEtag } from './checksums.js';
import { createS3Clients, type S3Clients } from './client.js';
import { decorateStreamError, providerError, toProviderError, type ErrorContext } from './errors.js';
import { fromLocation, listS3 } from './list.js';
import { DEBUG_NAMESPACE, parseS3Options } from './options.js';

export { DEBUG_NAMESPACE, parseS3Options, type S3Options } from './options.js';

/** Server-side encryption under which an ETag is not the MD5 of the bytes (AWS docs, "Checking object integrity"). */
const OPAQUE_ETAG_ENCRYPTION = new Set(['aws:kms', 'aws:kms:dsse']);

/** Clients per distinct configuration (in practice one per run); closed together by `close()`. */
const clients = new Map<string, Promise<S3Clients>>();

async function getClients(ctx: ProviderContext): Promise<S3Clients> {
  const options = parseS3Options(ctx.env, ctx.settings);
  // The SDK's default credential chain also reads process.env, where AWS_ENDPOINT_URL_STS changes the client.
  const key = JSON.stringify([options, process.env.AWS_ENDPOINT_URL_STS ?? null]);
  let entry = clients.get(key);
  if (!entry) {
    entry = createS3Clients(options, ctx.logger);
    clients.set(key, entry);
    entry.catch(() => clients.delete(key));
  }
  return entry;
}

const provider: StorageProvider = {
  name: 's3',
  capabilities: {
    rangedRead: true,
    prefixListing: true,
    checksums: ['md5', 'crc32', 'crc32c', 'sha1', 'sha256'],
    versionPinning: true,
    listMaxPageSize: 1000,
  },

  /** KServe's S3_MAX_FILE_CONCURRENCY, when set, caps this provider's reads in flight. */
  limits(ctx: ProviderContext): ProviderLimits {
    const { maxFileConcurrency } = parseS3Options(ctx.env, ctx.settings);
    return maxFileConcurrency === undefined ? {} : { maxConnections: maxFileConcurrency };
  },

  async *list(uri: URL, ctx: ProviderContext): AsyncIterable<RemoteObject> {
    yield* listS3(await getClients(ctx), uri, ctx.logger, ctx.signal);
  },

  async read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
    const { bucket, key } = fromLocation(obj.location);
    const where: ErrorContext = { operation: 'GetObject', bucket, key };
    if (range && range.end <= range.start) return Readable.from([], { objectMode: false });
    const s3 = await getClients(ctx);
    let out;
    try {
      out = await s3.read.send(new s3.sdk.GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: range ? `bytes=${range.start}-${range.end - 1}` : undefined,
        IfMatch: obj.version,
      }), { abortSignal: ctx.signal });
    } catch (error) {
      throw toProviderError(error, where);
    }
    const body = out.Body;
    if (!(body instanceof Readable)) throw providerError('Unexpected', false, `s3: GetObject s3://${bucket}/${key} returned no stream`);
    // Registered first, so the error is decorated before the engine's own listeners see it.
    body.on('error', (error) => decorateStreamError(error, { ...where, operation: 'GetObject body' }));

    // Some S3-compatible stores (s3rver, older gateways) ignore If-Match: compare the ETag ourselves.
    if (obj.version && out.ETag && normalizeEtag(out.ETag) !== normalizeEtag(obj.version)) {
      body.destroy();
      throw providerError('VersionChanged', false,
        `s3: s3://${bucket}/${key} changed since it was listed (ETag ${out.ETag}, listed ${obj.version})`,
        'The object was replaced during the download; run again.');
    }
    let stream: Readable = body;
    if (range) {
      const served = parseContentRange(out.ContentRange);
      // s3rver serves the whole object for `bytes=0-0`, and some gateways ignore a Range's end: as long as the
      // bytes start where asked, keep only the requested ones. A wrong start cannot be repaired.
      if (served ? served.start !== range.start : range.start !== 0) {
        body.destroy();
        throw providerError('Unexpected', false,
          `s3: GetObject s3://${bucket}/${key} asked for bytes ${range.start}-${range.end - 1} but got "${out.ContentRange ?? 'the whole object'}"`,
          'The store does not honour Range requests; report it with the store\'s name and version.');
      }
      if (!served || served.end > range.end - 1) stream = firstBytes(body, range.end - range.start);
    }
    if ((out.ServerSideEncryption && OPAQUE_ETAG_ENCRYPTION.has(out.ServerSideEncryption)) || out.SSECustomerAlgorithm) {
      // SSE-KMS and SSE-C ETags look like MD5s but are not: drop that checksum before the engine verifies.
      if (obj.checksums?.some((c) => c.algorithm === 'md5')) {
        obj.checksums = obj.checksums.filter((c) => c.algorithm !== 'md5');
        ctx.logger.debug(`${DEBUG_NAMESPACE} ETag is not an MD5 under ${out.ServerSideEncryption ?? 'SSE-C'}`, { key });
      }
    }
    return stream;
  },

  async close(): Promise<void> {
    const all = [...clients.values()];
    clients.clear();
    for (const entry of await Promise.allSettled(all)) {
      if (entry.status === 'fulfilled') entry.value.destroy();
    }
  },
};

function parseContentRange(contentRange: string | undefined): { start: number; end: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(?:\d+|\*)$/.exec(contentRange?.trim() ?? '');
  return match ? { start: Number(match[1]), end: Number(match[2]) } : undefined;
}

/** The first `length` bytes of `source`; stopping early destroys `source` (and frees its socket). */
function firstBytes(source: Readable, length: number): Readable {
  return Readable.from((async function* () {
    let remaining = length;
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      if (buf.length >= remaining) {
        yield buf.subarray(0, remaining);
        return;
      }
      remaining -= buf.length;
      yield buf;
    }
  })(), { objectMode: false });
}

export default provider;
