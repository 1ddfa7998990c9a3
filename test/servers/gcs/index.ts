/**
 * A small, protocol-faithful fake of the GCS JSON API as @google-cloud/storage 7 calls it (no emulator can be
 * installed here): objects.list / objects.get / media downloads with ranges, generations and preconditions,
 * JSON errors, Bearer tokens from an OAuth2 JWT-bearer token endpoint, and injectable faults.
 *
 *   GET  /storage/v1/b/{bucket}/o                   list (prefix, delimiter, maxResults, pageToken, start/endOffset)
 *   GET  /storage/v1/b/{bucket}/o/{object}          metadata; with alt=media the bytes (what the SDK downloads)
 *   GET  /download/storage/v1/b/{bucket}/o/{object} the bytes (the mediaLink form)
 *   GET  /storage/v1/b/{bucket}                     bucket metadata
 *   POST /token                                     OAuth2 token endpoint (put it in a key's token_uri)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { OAuthFake } from './oauth.js';
import { Store, decodedBody, listBucket, objectResource, type Bucket, type StoredObject } from './store.js';

export { crc32cBase64 } from './store.js';

/** A failure injected into the next matching requests. */
export interface GcsFault {
  /** Which requests it hits. @default 'media' */
  on?: 'media' | 'list' | 'metadata' | 'any';
  /** How many matching requests it hits. @default 1 */
  times?: number;
  /** Only requests for this object name. */
  name?: string;
  /** Reply with this HTTP status and a GCS JSON error instead of the real answer. */
  status?: number;
  /** Retry-After seconds sent with `status`. */
  retryAfter?: number;
  /** Send the headers and this many body bytes, then reset the connection (TCP RST). */
  resetAfterBytes?: number;
  /** Send the headers and this many body bytes, then close the connection cleanly (FIN) short of Content-Length. */
  closeAfterBytes?: number;
  /** Send the headers and this many body bytes, then go silent until the client gives up. */
  stallAfterBytes?: number;
  /** Flip every bit of the byte at this object offset in the bytes sent (the stored hashes stay right). */
  corruptByte?: number;
}

export interface RecordedRequest {
  method: string;
  /** The raw (percent-encoded) path. */
  path: string;
  query: Record<string, string>;
  authorization?: string;
  range?: string;
}

export interface FakeGcs {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + '/storage/v1', what STORAGE_EMULATOR_HOST must be for @google-cloud/storage 7. */
  emulatorHost: string;
  port: number;
  /** url + '/token': the OAuth2 token endpoint to put in a service-account key's token_uri. */
  tokenUri: string;
  putObject(bucket: string, name: string, body: Buffer, opts?: { contentType?: string; contentEncoding?: string }): StoredObject;
  deleteObject(bucket: string, name: string): void;
  /** Creates a bucket; with `readers`, only Bearer tokens issued to those service accounts may read it. */
  createBucket(name: string, opts?: { readers?: string[] }): void;
  fault(fault: GcsFault): void;
  clearFaults(): void;
  addServiceAccount(email: string, publicKey: KeyObject | string): void;
  /** Issues an access token for `email` directly (as a metadata server would). */
  issueToken(email: string): string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Kind = 'media' | 'list' | 'metadata';
const ROUTE = /^\/(download\/)?storage\/v1\/b\/([^/]+)(\/o(?:\/(.*))?)?$/;

export async function startFakeGcs(): Promise<FakeGcs> {
  const store = new Store();
  const oauth = new OAuthFake();
  const faults: Array<Required<Pick<GcsFault, 'on' | 'times'>> & GcsFault> = [];
  const requests: RecordedRequest[] = [];
  let base = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'backendError', `fake-gcs: ${String(error)}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      method: req.method ?? 'GET', path: url.pathname, query,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });
    if (req.method === 'POST' && url.pathname === '/token') {
      const reply = oauth.exchange(await readBody(req), `${base}/token`);
      return sendJson(res, reply.status, reply.body);
    }
    const route = ROUTE.exec(url.pathname);
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) return sendError(res, 404, 'notFound', 'Not Found');
    const bucketName = decodeURIComponent(route[2]!);
    const objectName = route[4] !== undefined ? decodeURIComponent(route[4]) : undefined;
    const kind: Kind = objectName === undefined ? (route[3] ? 'list' : 'metadata') : route[1] || query.alt === 'media' ? 'media' : 'metadata';
    if (route[3] && objectName === '') return sendError(res, 404, 'notFound', 'Not Found');

    const fault = takeFault(kind, objectName);
    if (fault?.status) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      return sendError(res, fault.status, reasonFor(fault.status), `Injected fault: HTTP ${fault.status}`);
    }

    let grantee: string | undefined;
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      grantee = token ? oauth.tokens.get(token)?.email : undefined;
      if (!grantee) return sendError(res, 401, 'authError', 'Invalid Credentials');
    }
    const bucket = store.buckets.get(bucketName);
    if (!bucket) return sendError(res, 404, 'notFound', 'The specified bucket does not exist.');
    if (bucket.readers && !(grantee && bucket.readers.includes(grantee))) {
      const permission = kind === 'list' ? 'storage.objects.list' : 'storage.objects.get';
      return grantee
        ? sendError(res, 403, 'forbidden', `${grantee} does not have ${permission} access to the Google Cloud Storage bucket. Permission '${permission}' denied on resource (or it may not exist).`)
        : sendError(res, 401, 'required', `Anonymous caller does not have ${permission} access to the Google Cloud Storage bucket. Permission '${permission}' denied on resource (or it may not exist).`);
    }

    if (kind === 'list') return sendList(res, bucket, query);
    if (objectName === undefined) return sendJson(res, 200, { kind: 'storage#bucket', id: bucket.name, name: bucket.name, location: 'US', storageClass: 'STANDARD' });
    const object = bucket.objects.get(objectName);
    if (!object || (query.generation !== undefined && query.generation !== object.generation)) {
      return sendError(res, 404, 'notFound', `No such object: ${bucket.name}/${objectName}`);
    }
    const precondition = checkPreconditions(object, query);
    if (precondition) return sendError(res, precondition, precondition === 412 ? 'conditionNotMet' : 'notModified', 'At least one of the pre-conditions you specified did not hold.');
    if (kind === 'metadata') return sendJson(res, 200, objectResource(base, bucket.name, object));
    return sendMedia(req, res, object, fault);
  }

  function takeFault(kind: Kind, name: string | undefined): GcsFault | undefined {
    const index = faults.findIndex((f) => (f.on === 'any' || f.on === kind) && (f.name === undefined || f.name === name));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function sendList(res: ServerResponse, bucket: Bucket, query: Record<string, string>): void {
    const maxResults = Math.min(1000, Math.max(1, Number(query.maxResults ?? 1000) || 1000));
    const page = listBucket(bucket, {
      prefix: query.prefix ?? '', maxResults,
      ...(query.delimiter ? { delimiter: query.delimiter } : {}),
      ...(query.pageToken ? { pageToken: query.pageToken } : {}),
      ...(query.startOffset ? { startOffset: query.startOffset } : {}),
      ...(query.endOffset ? { endOffset: query.endOffset } : {}),
    });
    sendJson(res, 200, {
      kind: 'storage#objects',
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
      ...(page.items.length > 0 ? { items: page.items.map((o) => objectResource(base, bucket.name, o)) } : {}),
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    emulatorHost: `${base}/storage/v1`,
    port,
    tokenUri: `${base}/token`,
    putObject: (bucket, name, body, opts) => store.put(bucket, name, body, opts),
    deleteObject: (bucket, name) => store.delete(bucket, name),
    createBucket: (name, opts) => { store.createBucket(name, opts?.readers); },
    fault: (fault) => { faults.push({ ...fault, on: fault.on ?? 'media', times: fault.times ?? 1 }); },
    clearFaults: () => { faults.length = 0; },
    addServiceAccount: (email, key) => oauth.addServiceAccount(email, key),
    issueToken: (email) => oauth.issue(email),
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

function checkPreconditions(o: StoredObject, q: Record<string, string>): number | undefined {
  if (q.ifGenerationMatch !== undefined && q.ifGenerationMatch !== o.generation) return 412;
  if (q.ifMetagenerationMatch !== undefined && q.ifMetagenerationMatch !== o.metageneration) return 412;
  if (q.ifGenerationNotMatch !== undefined && q.ifGenerationNotMatch === o.generation) return 304;
  if (q.ifMetagenerationNotMatch !== undefined && q.ifMetagenerationNotMatch === o.metageneration) return 304;
  return undefined;
}

/** The bytes, as GCS serves them: ranges (206/416), stored hashes in x-goog-hash, gzip served as stored when accepted. */
function sendMedia(req: IncomingMessage, res: ServerResponse, o: StoredObject, fault: GcsFault | undefined): void {
  const gzipStored = o.contentEncoding === 'gzip';
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const transcode = gzipStored && !acceptsGzip; // decompressive transcoding: GCS then ignores Range
  const body = transcode ? decodedBody(o) : o.body;
  const headers: Record<string, string> = {
    'Content-Type': o.contentType,
    'Accept-Ranges': 'bytes',
    ETag: Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64'),
    'Last-Modified': new Date(o.updated).toUTCString(),
    'x-goog-generation': o.generation,
    'x-goog-metageneration': o.metageneration,
    'x-goog-storage-class': 'STANDARD',
    'x-goog-stored-content-encoding': o.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(o.body.length),
    'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
  };
  if (gzipStored && !transcode) headers['Content-Encoding'] = 'gzip';
  let status = 200;
  let start = 0;
  let end = body.length; // exclusive
  const range = transcode ? undefined : parseRange(req.headers.range, body.length);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${body.length}`);
    return sendError(res, 416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.');
  }
  if (range) {
    [start, end] = range;
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end - 1}/${body.length}`;
  }
  const slice = Buffer.from(body.subarray(start, end));
  if (fault?.corruptByte !== undefined && fault.corruptByte >= start && fault.corruptByte < end) {
    slice[fault.corruptByte - start] ^= 0xff;
  }
  headers['Content-Length'] = String(slice.length);
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();
  if (fault?.resetAfterBytes !== undefined) {
    res.write(slice.subarray(0, fault.resetAfterBytes), () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
    return;
  }
  if (fault?.closeAfterBytes !== undefined) {
    res.write(slice.subarray(0, fault.closeAfterBytes), () => setTimeout(() => res.socket?.destroySoon(), 20));
    return;
  }
  if (fault?.stallAfterBytes !== undefined) {
    res.write(slice.subarray(0, fault.stallAfterBytes)); // close() ends it with closeAllConnections()
    return;
  }
  res.end(slice);
}

/** bytes=a-b, bytes=a-, bytes=-n → [start, end) ; anything else → the whole object, as GCS does. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size];
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return size === 0 ? undefined : 'unsatisfiable';
  return [start, last + 1];
}

function reasonFor(status: number): string {
  return ({ 400: 'invalid', 401: 'required', 403: 'forbidden', 404: 'notFound', 412: 'conditionNotMet', 429: 'rateLimitExceeded', 503: 'backendError' } as Record<number, string>)[status] ?? 'backendError';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: number, reason: string, message: string): void {
  if (code === 304) {
    res.writeHead(304);
    return void res.end();
  }
  sendJson(res, code, { error: { code, message, errors: [{ message, domain: 'global', reason }] } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
