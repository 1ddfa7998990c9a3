/**
 * A fault-injecting HTTP(S) origin for tests: static files with HEAD, single byte ranges, If-Range,
 * If-Match, ETag and Last-Modified, plus faults (error statuses, cut/stalled/truncated bodies, a flipped
 * byte, an object replaced mid-download), redirects and required headers. Used by provider-http, the
 * transfer-engine fault tests and the CLI end-to-end tests. Binds 127.0.0.1 on an ephemeral port.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface OriginFile {
  body: Buffer;
  contentType?: string;
  /** Default: a strong etag from an md5 of the body. */
  etag?: string;
  /** Send Content-MD5 (base64 md5 of the whole body) on full responses. */
  contentMd5?: boolean;
  /** Send `Digest: sha-256=<base64>` (the whole representation, also on 206). */
  digest?: boolean;
  /** Chunked, no Content-Length, no HEAD length; ranges are ignored (Accept-Ranges: none), as dynamic servers do. */
  noLength?: boolean;
}

/**
 * A fault on one path. Faults fire only on GETs they apply to: `status` on any GET, `cut`/`stall`/`truncate`
 * on GETs whose body is longer than `afterBytes`, `corrupt` on GETs whose bytes include offset `at`.
 * `times` (default 1) is how many GETs it fires on; then the file is served normally. When several faults
 * wait on one path, the first one that applies fires. `replace` is counted apart: after `afterRequests`
 * GETs of the path, the file's body (and so its etag and Last-Modified) changes.
 */
export type OriginFault =
  | { kind: 'status'; status: number; times?: number; retryAfter?: number } // answer GETs with this status
  | { kind: 'cut'; afterBytes: number; times?: number } // destroy the socket after N body bytes
  | { kind: 'stall'; afterBytes: number; times?: number } // stop sending after N bytes, keep socket open
  | { kind: 'truncate'; afterBytes: number; times?: number } // end the response early (Content-Length still full)
  | { kind: 'corrupt'; at: number; times?: number } // flip one byte at offset `at` of the object
  | { kind: 'replace'; afterRequests: number; body: Buffer }; // object changes (new etag) after N GETs

export interface OriginRequest {
  method: string;
  /** Decoded path, without the query. */
  path: string;
  range?: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Header names as they arrived, in order and case (tells one client from another). */
  rawHeaderNames: string[];
}

export interface HttpOrigin {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  setFile(path: string, file: OriginFile): void;
  removeFile(path: string): void;
  fault(path: string, fault: OriginFault): void;
  clearFaults(): void;
  /** Answers `from` with a redirect to `to` (a path on this origin or an absolute URL). @default status 302 */
  redirect(from: string, to: string, status?: number): void;
  /** Every request must carry these headers: missing → 401, a different value → 403. */
  requireHeaders(headers: Record<string, string>): void;
  /** `connections`: TCP (or TLS) connections accepted. */
  stats: { requests: OriginRequest[]; bodyBytesSent: number; connections: number };
  resetStats(): void;
  /** Closes every keep-alive connection that is idle, as a server whose keep-alive timeout ran out. */
  closeIdleConnections(): void;
  close(): Promise<void>;
}

interface StoredFile extends OriginFile {
  etag: string;
  lastModified: Date;
  /** GETs seen since a `replace` fault was set. */
  gets: number;
}
type CountedFault = Exclude<OriginFault, { kind: 'replace' }> & { left: number };

const CHUNK = 64 * 1024;

function normalisePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

function strongEtag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** Parses one `bytes=` range against `size`: the range, 'unsatisfiable', or undefined to serve the whole body. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // absent, multiple ranges or malformed: ignore it
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined; // invalid: RFC 9110 says ignore it
  if (start >= size) return 'unsatisfiable';
  return { start, end: last };
}

export async function startHttpOrigin(options: { files?: Record<string, OriginFile>; tls?: { key: string; cert: string } } = {}): Promise<HttpOrigin> {
  const files = new Map<string, StoredFile>();
  const faults = new Map<string, CountedFault[]>();
  const replacements = new Map<string, { afterRequests: number; body: Buffer }>();
  const redirects = new Map<string, { to: string; status: number }>();
  let required: Record<string, string> = {};
  const sockets = new Set<Socket>();
  const stats: HttpOrigin['stats'] = { requests: [], bodyBytesSent: 0, connections: 0 };
  let clock = 0;

  // Strictly increasing Last-Modified (whole seconds), so a replaced object always gets a new one.
  const nextModified = (): Date => {
    clock = Math.max(Math.floor(Date.now() / 1000), clock + 1);
    return new Date(clock * 1000);
  };
  const setFile = (path: string, file: OriginFile): void => {
    files.set(normalisePath(path), { ...file, etag: file.etag ?? strongEtag(file.body), lastModified: nextModified(), gets: 0 });
  };
  for (const [path, file] of Object.entries(options.files ?? {})) setFile(path, file);

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let path: string;
    const rawPath = (req.url ?? '/').split('?')[0];
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const record: OriginRequest = { method: req.method ?? 'GET', path, range: req.headers.range, status: 0, headers: { ...req.headers },
      rawHeaderNames: req.rawHeaders.filter((_, i) => i % 2 === 0) };
    stats.requests.push(record);
    const finish = (status: number, headers: Record<string, string | number> = {}, text?: string): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };

    for (const [name, value] of Object.entries(required)) {
      const got = req.headers[name.toLowerCase()];
      if (got === undefined) return finish(401, {}, `missing header ${name}`);
      if (got !== value) return finish(403, {}, `wrong value for header ${name}`);
    }
    const redirect = redirects.get(path);
    if (redirect) return finish(redirect.status, { Location: redirect.to }, `moved to ${redirect.to}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return finish(405, { Allow: 'GET, HEAD' }, 'method not allowed');

    let file = files.get(path) ?? files.get(rawPath);
    const key = files.has(path) ? path : rawPath;
    if (!file) return finish(404, {}, `no such file: ${path}`);

    if (req.method === 'GET') {
      const replacement = replacements.get(key);
      if (replacement && file.gets++ >= replacement.afterRequests) {
        replacements.delete(key);
        setFile(key, { ...file, body: replacement.body, etag: undefined });
        file = files.get(key)!;
      }
    }

    const size = file.body.length;
    const headers: Record<string, string | number> = {
      'Content-Type': file.contentType ?? 'application/octet-stream',
      'Last-Modified': file.lastModified.toUTCString(),
      ETag: file.etag,
      'Accept-Ranges': file.noLength ? 'none' : 'bytes',
    };
    if (file.digest) headers.Digest = `sha-256=${createHash('sha256').update(file.body).digest('base64')}`;

    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch.trim() !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(file.etag)) {
      return finish(412, { ETag: file.etag }, 'precondition failed: If-Match');
    }

    let range = file.noLength ? undefined : parseRange(req.headers.range, size);
    const ifRange = req.headers['if-range'];
    if (range && ifRange && ifRange !== file.etag && ifRange !== headers['Last-Modified']) range = undefined;
    if (range === 'unsatisfiable') return finish(416, { 'Content-Range': `bytes */${size}` }, 'range not satisfiable');

    const start = range?.start ?? 0;
    const end = range ? range.end + 1 : size;
    if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`;
    else if (file.contentMd5) headers['Content-MD5'] = createHash('md5').update(file.body).digest('base64');
    if (!file.noLength) headers['Content-Length'] = end - start;
    const status = range ? 206 : 200;

    if (req.method === 'HEAD') {
      record.status = status;
      res.writeHead(status, headers);
      res.end();
      return;
    }

    const fault = takeFault(key, start, end);
    if (fault?.kind === 'status') {
      const extra: Record<string, string | number> = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
      return finish(fault.status, extra, `injected status ${fault.status}`);
    }
    let body = file.body.subarray(start, end);
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      body[fault.at - start] ^= 0xff;
    }
    // A truncated response must not leave a keep-alive socket waiting for the missing bytes.
    if (fault?.kind === 'truncate' || fault?.kind === 'cut') headers.Connection = 'close';
    record.status = status;
    res.writeHead(status, headers);
    const limit = fault && 'afterBytes' in fault ? fault.afterBytes : body.length;
    sendBody(res, body.subarray(0, limit), () => {
      if (fault?.kind === 'cut') res.socket?.destroy();
      else if (fault?.kind !== 'stall') res.end(); // a stalled socket stays open until close() destroys it
    });
  };

  const takeFault = (key: string, start: number, end: number): CountedFault | undefined => {
    const list = faults.get(key);
    if (!list) return undefined;
    const index = list.findIndex((f) =>
      f.kind === 'status' || (f.kind === 'corrupt' ? f.at >= start && f.at < end : f.afterBytes < end - start));
    if (index < 0) return undefined;
    const fault = list[index];
    if (--fault.left <= 0) list.splice(index, 1);
    return fault;
  };

  // Writes in chunks with backpressure and calls `done` once the last byte is handed to the socket, so
  // `cut` and `stall` happen after exactly the bytes given.
  const sendBody = (res: http.ServerResponse, body: Buffer, done: () => void): void => {
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length) {
        if (res.destroyed) return;
        const chunk = body.subarray(offset, offset + CHUNK);
        offset += chunk.length;
        stats.bodyBytesSent += chunk.length;
        const last = offset >= body.length;
        const flowing = res.write(chunk, last ? () => done() : undefined);
        if (last) return;
        if (!flowing) {
          res.once('drain', pump);
          return;
        }
      }
      res.flushHeaders();
      setImmediate(done);
    };
    pump();
  };

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 5000;
  server.on(options.tls ? 'secureConnection' : 'connection', () => {
    stats.connections += 1;
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    setFile,
    removeFile: (path) => void files.delete(normalisePath(path)),
    fault(path, fault) {
      const key = normalisePath(path);
      if (fault.kind === 'replace') {
        replacements.set(key, { afterRequests: fault.afterRequests, body: fault.body });
        const file = files.get(key);
        if (file) file.gets = 0;
        return;
      }
      const list = faults.get(key) ?? [];
      list.push({ ...fault, left: fault.times ?? 1 });
      faults.set(key, list);
    },
    clearFaults() {
      faults.clear();
      replacements.clear();
    },
    redirect: (from, to, status = 302) => void redirects.set(normalisePath(from), { to, status }),
    requireHeaders(headers) {
      required = { ...headers };
    },
    stats,
    resetStats() {
      stats.requests.length = 0;
      stats.bodyBytesSent = 0;
      stats.connections = 0;
    },
    closeIdleConnections: () => server.closeIdleConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections?.();
      }),
  };
}
