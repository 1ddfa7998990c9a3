/**
 * `read()` for HTTP(S): one streamed GET, ranged with `Range` + `If-Range`, pinned with `If-Match` (or
 * `If-Unmodified-Since` when the version is a date), checked against the response's own validators.
 *
 * A server that ignores `Range` answers 200 with the whole object. When that 200 still carries the listed
 * version, the bytes are right, only more of them: the range is cut out of the stream (skip `start`, stop
 * at `end`) and a warning says the server does not do ranges. This keeps such servers working, as KServe's
 * single stream does, at the cost of bandwidth for parallel parts. An error (ContentIncomplete) would make
 * every retry fail the same way, and `rangedRead` is a static capability, so the engine cannot be told
 * per object (proposed: an optional `RemoteObject.rangedRead`). When the 200 carries another version,
 * or none while `If-Range` was sent, the object changed: VersionChanged.
 */
import { Readable } from 'node:stream';
import type { BodySink, ByteRange, ProviderContext, RemoteObject } from '@mr-init/core';
import { readSnippet, type HttpClient, type OpenResponse } from './client.js';
import { fromRequestError, fromStatus, httpError, safeUrl } from './errors.js';
import { contentLength, isEtagVersion, parseContentRange, strongEtag } from './metadata.js';

const warnedNoRanges = new Set<string>();

/** Re-emits `source` as a plain Readable: optionally skipping and limiting bytes, mapping errors to provider kinds. */
function adopt(source: OpenResponse['body'], url: string, skip = 0, take = Infinity): Readable {
  let done = false;
  const out = new Readable({
    read() {
      source.resume();
    },
    destroy(error, callback) {
      if (!source.destroyed) source.destroy();
      callback(error);
    },
  });
  const finish = (error?: Error): void => {
    if (done) return;
    done = true;
    if (error) out.destroy(fromRequestError('GET', url, error));
    else out.push(null);
  };
  if (source.errored) {
    finish(source.errored as Error);
    return out;
  }
  source.on('data', (chunk: Buffer) => {
    if (done) return;
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    if (chunk.length >= take) {
      out.push(chunk.subarray(0, take));
      finish();
      source.destroy(); // the rest is not ours: stop the download
      return;
    }
    take -= chunk.length;
    if (!out.push(chunk)) source.pause();
  });
  source.on('end', () => finish());
  source.on('error', (error) => finish(error));
  source.on('close', () => finish(source.readableEnded ? undefined : Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
  return out;
}

function changed(obj: RemoteObject, url: string, detail: string): Error {
  return httpError('VersionChanged', `read ${safeUrl(url)}: ${obj.path} changed since it was listed (${detail})`, {
    hint: 'The object was replaced during the download; it is fetched again from the start.' });
}

/** A 2xx whose own validator names another version than the listed one means the object changed. */
function checkValidators(obj: RemoteObject, res: Pick<OpenResponse, 'headers' | 'url'>): Error | undefined {
  if (!obj.version) return undefined;
  if (isEtagVersion(obj.version)) {
    const etag = strongEtag(res.headers);
    return etag && etag !== obj.version ? changed(obj, res.url, `ETag ${etag}, listed ${obj.version}`) : undefined;
  }
  const modified = res.headers['last-modified'];
  return modified && modified !== obj.version ? changed(obj, res.url, `Last-Modified ${modified}, listed ${obj.version}`) : undefined;
}

/** The request headers of a read: its range, pinned to the listed version. */
function requestHeaders(obj: RemoteObject, range: ByteRange | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const etag = obj.version && isEtagVersion(obj.version) ? obj.version : undefined;
  if (range) {
    headers.range = `bytes=${range.start}-${range.end - 1}`;
    if (etag) headers['if-range'] = etag;
  } else if (obj.version) {
    if (etag) headers['if-match'] = etag;
    else headers['if-unmodified-since'] = obj.version;
  }
  return headers;
}

/** The part of a 2xx body that is this read's bytes, or a thrown provider error when the response is not usable. */
function bodyWindow(obj: RemoteObject, range: ByteRange | undefined, res: Pick<OpenResponse, 'status' | 'headers' | 'url'>, ctx: ProviderContext): { skip: number; take: number } {
  const url = obj.location;
  const stale = checkValidators(obj, res);
  if (stale) throw stale;
  if (!range) {
    if (res.status === 206) throw httpError('ContentIncomplete', `read ${safeUrl(url)}: the server sent a partial response (206) to a request for the whole object`);
    return { skip: 0, take: Infinity };
  }
  if (res.status === 206) {
    const got = parseContentRange(String(res.headers['content-range'] ?? ''));
    if (!got || got.start !== range.start || got.end !== range.end - 1) {
      throw httpError('ContentIncomplete', `read ${safeUrl(url)}: asked for bytes ${range.start}-${range.end - 1}, the server sent Content-Range "${res.headers['content-range'] ?? ''}"`);
    }
    if (got.total !== undefined && obj.size >= 0 && got.total !== obj.size) throw changed(obj, url, `now ${got.total} bytes, listed ${obj.size}`);
    return { skip: 0, take: Infinity };
  }
  // A 200 to a ranged request: If-Range failed (the object changed) or the server ignores Range.
  const etag = obj.version && isEtagVersion(obj.version) ? obj.version : undefined;
  if (etag && !strongEtag(res.headers)) throw changed(obj, url, 'a full response to If-Range, without an ETag');
  const length = contentLength(res.headers);
  if (length !== undefined && obj.size >= 0 && length !== obj.size) throw changed(obj, url, `now ${length} bytes, listed ${obj.size}`);
  if ((range.start > 0 || range.end < obj.size) && !warnedNoRanges.has(url)) {
    warnedNoRanges.add(url);
    ctx.logger.warn(`http: ${safeUrl(url)} ignores Range requests; each part re-reads the object from its start`);
  }
  return { skip: range.start, take: range.end - range.start };
}

export async function readObject(client: HttpClient, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
  const url = obj.location;
  const res = await client.open('GET', url, ctx, requestHeaders(obj, range));
  if (res.status === 412) {
    res.body.destroy();
    throw changed(obj, url, 'HTTP 412 Precondition Failed');
  }
  if (res.status === 416 && range) {
    res.body.destroy();
    throw changed(obj, url, `range ${range.start}-${range.end - 1} is not satisfiable: ${res.headers['content-range'] ?? 'no size given'}`);
  }
  if (res.status < 200 || res.status >= 300) {
    const textual = /^(text\/|application\/(json|xml|problem))/i.test(String(res.headers['content-type'] ?? ''));
    throw fromStatus({ op: 'read', url, status: res.status, reason: res.reason, retryAfter: res.headers['retry-after'],
      detail: textual ? await readSnippet(res.body) : (res.body.destroy(), undefined) });
  }
  let window;
  try {
    window = bodyWindow(obj, range, res, ctx);
  } catch (error) {
    res.body.destroy();
    throw error;
  }
  return adopt(res.body, url, window.skip, window.take);
}

/**
 * `readInto()`: the common answer (a 2xx whose whole body is this read's bytes, with a Content-Length)
 * is read off the socket into the engine's buffer (socket-get.ts). Anything else (an error status, a
 * redirect, a server that ignores ranges, a proxy) takes the general path: the request is replayed
 * through got, whose stream is copied into the sink. A URL that redirected once always takes it.
 */
export async function readObjectInto(client: HttpClient, obj: RemoteObject, range: ByteRange | undefined, sink: BodySink, ctx: ProviderContext): Promise<void> {
  const url = new URL(obj.location);
  const direct = await client.direct(url);
  if (direct) {
    const res = await direct.get(url, { ...client.headersFor(url, ctx), ...requestHeaders(obj, range) }, ctx.signal);
    if (res.status >= 200 && res.status < 300 && res.length !== undefined) {
      let window;
      try {
        window = bodyWindow(obj, range, { ...res, url: obj.location }, ctx);
      } catch (error) {
        res.discard();
        throw error;
      }
      if (window.skip === 0 && window.take >= res.length) return res.pipe(sink, ctx.signal);
    }
    if (res.status >= 300 && res.status < 400) client.redirected(url);
    res.discard();
  }
  await copyToSink(await readObject(client, obj, range, ctx), sink);
}

/** Copies a body stream into a sink, honouring its backpressure. */
async function copyToSink(body: Readable, sink: BodySink): Promise<void> {
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const wait = sink.write(chunk);
      if (wait) await wait;
    }
  } finally {
    body.destroy();
  }
}
