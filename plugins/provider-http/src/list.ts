/** `list()` for HTTP(S): one object, named after the URL path's basename, described by HEAD (or a 1-byte GET). */
import type { ProviderContext, RemoteObject } from '@mr-init/core';
import { readSnippet, type HttpClient, type OpenResponse } from './client.js';
import { fromStatus, httpError, safeUrl } from './errors.js';
import { checksumsOf, contentLength, parseContentRange, strictContentTypeProblem, versionOf } from './metadata.js';

/** HEAD statuses that say "not like this" rather than "no": presigned GET-only URLs (403), servers without HEAD. */
const HEAD_REFUSED = new Set([400, 403, 405, 501]);

/**
 * The file name: the URL path's basename, percent-decoded once; the query is not part of it. A URL without
 * one is refused, as KServe does (the destination needs a file name).
 */
export function objectName(uri: URL): string {
  const raw = uri.pathname.slice(uri.pathname.lastIndexOf('/') + 1);
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // malformed escapes: keep the name as written
  }
  if (name.includes('/') || name.includes('\\') || name.includes('\0')) name = raw; // an encoded '/' must not create folders
  if (name === '' || name === '.' || name === '..') {
    throw httpError('InvalidConfig', `${safeUrl(uri)} has no file name in its path; an http(s) URI must name one file, e.g. https://host/models/model.onnx`);
  }
  return name;
}

interface Described {
  size: number;
  location: string;
  version?: string;
  contentType?: string;
  checksums: RemoteObject['checksums'];
}

function describe(res: OpenResponse, size: number, partial: boolean): Described {
  const contentType = res.headers['content-type'];
  return { size, location: res.url, version: versionOf(res.headers), contentType, checksums: checksumsOf(res.headers, partial) };
}

async function failure(op: string, url: string, res: OpenResponse): Promise<Error> {
  const textual = /^(text\/|application\/(json|xml|problem))/i.test(String(res.headers['content-type'] ?? ''));
  const detail = textual ? await readSnippet(res.body) : (res.body.destroy(), undefined);
  return fromStatus({ op, url, status: res.status, reason: res.reason, detail, retryAfter: res.headers['retry-after'] });
}

/** `GET Range: bytes=0-0`: the size from Content-Range (or Content-Length when the range is ignored). */
async function probeWithGet(client: HttpClient, url: string, ctx: ProviderContext): Promise<Described> {
  const res = await client.open('GET', url, ctx, { range: 'bytes=0-0' });
  if (res.status === 206 || res.status === 416) {
    res.body.resume(); // one byte (or an error page): drain it so the socket is reused
    const total = parseContentRange(String(res.headers['content-range'] ?? ''))?.total;
    return describe(res, total ?? -1, true);
  }
  if (res.status >= 200 && res.status < 300) {
    res.body.destroy(); // the server ignored the range: do not fetch the whole object to learn its size
    return describe(res, contentLength(res.headers) ?? -1, false);
  }
  throw await failure('list (GET)', url, res);
}

async function probe(client: HttpClient, url: string, ctx: ProviderContext): Promise<Described> {
  const head = await client.open('HEAD', url, ctx);
  head.body.resume();
  if (head.status >= 200 && head.status < 300) {
    const length = contentLength(head.headers);
    if (length !== undefined) return describe(head, length, false);
    const viaGet = await probeWithGet(client, head.url, ctx);
    const fromHead = describe(head, viaGet.size, false);
    return { ...fromHead, version: fromHead.version ?? viaGet.version, contentType: fromHead.contentType ?? viaGet.contentType,
      checksums: fromHead.checksums?.length ? fromHead.checksums : viaGet.checksums };
  }
  if (HEAD_REFUSED.has(head.status)) {
    ctx.logger.debug(`http: HEAD ${safeUrl(url)} answered ${head.status}; asking with a 1-byte GET instead`);
    return probeWithGet(client, url, ctx);
  }
  throw await failure('list (HEAD)', url, head);
}

export async function* listObject(client: HttpClient, uri: URL, ctx: ProviderContext): AsyncGenerator<RemoteObject> {
  const path = objectName(uri);
  const found = await probe(client, uri.href, ctx);
  if (found.location !== uri.href) ctx.logger.debug(`http: ${safeUrl(uri)} redirects to ${safeUrl(found.location)}`);
  if (client.options.strictContentType) {
    const expected = strictContentTypeProblem(uri, found.contentType);
    if (expected) {
      throw httpError('InvalidConfig', `list ${safeUrl(uri)}: the server sent Content-Type "${found.contentType ?? '(none)'}", ` +
        `and HTTP_STRICT_CONTENT_TYPE=true requires ${expected}`, { hint: 'Fix the server\'s Content-Type, or unset HTTP_STRICT_CONTENT_TYPE to accept any type.' });
    }
  }
  const obj: RemoteObject = { path, size: found.size, location: found.location };
  if (found.version) obj.version = found.version;
  if (found.contentType) obj.contentType = found.contentType;
  if (found.checksums?.length) obj.checksums = found.checksums;
  ctx.logger.debug(`http: listed ${safeUrl(uri)}`, { size: obj.size, version: obj.version, checksums: obj.checksums?.map((c) => c.algorithm) });
  yield obj;
}
