/**
 * GET bodies read straight off the socket: each connection receives into one buffer of its own (Node's
 * `onread`), and the bytes go from there into the engine's write buffer. Node's HTTP client allocates
 * a 64 KiB buffer per socket read and its parser copies every body chunk into another one; on a 2 GiB
 * download that was most of the CPU time and ~70 MiB of peak RSS.
 *
 * Deliberately small: HTTP/1.1, direct connections (no proxy), one request at a time per connection,
 * bodies with a Content-Length. The caller decides from the response head whether to use the body; any
 * other answer (an error status, a redirect, a chunked body) is handed back so the caller can replay
 * the request through the general client, which knows all of HTTP.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import type { BodySink } from '@mr-init/core';
import { fromRequestError, httpError, safeUrl } from './errors.js';

/** Bytes one socket read may deliver: large reads are what make this path cheap. */
const READ_BUFFER_BYTES = 256 * 1024;
/** A response head larger than this is refused (servers send a few hundred bytes). */
const MAX_HEAD_BYTES = 64 * 1024;

export interface SocketGetOptions {
  connectTimeoutMs: number;
  /** Silence allowed while waiting for the head or between body bytes. */
  readTimeoutMs: number;
  /** Extra CA certificates (PEM) trusted besides the system ones. */
  ca?: string;
  /** Idle connections kept per origin. */
  maxIdle: number;
}

/** A response head, its body not yet read. */
export interface SocketResponse {
  status: number;
  reason: string;
  headers: IncomingHttpHeaders;
  /** The body's length (undefined: no Content-Length, or a Transfer-Encoding, so not readable here). */
  length: number | undefined;
  /** Streams exactly `length` body bytes into `sink`; the connection is then reused. */
  pipe(sink: BodySink, signal: AbortSignal): Promise<void>;
  /** Gives up the body: the connection is closed. */
  discard(): void;
}


/** One keep-alive connection; `onread` fills `buffer`, and `handle` routes each read to the current request. */
class Connection {
  readonly socket: net.Socket;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private handler: ((data: Buffer) => boolean) | undefined;
  private failure: ((error: Error) => void) | undefined;
  /** Whether the socket may carry another request. */
  reusable = true;
  /** Bytes received while no request was listening (the connection is then not reused). */
  private stray = false;
  /** The socket delivered anything for the current request. */
  answered = false;

  constructor(url: URL, options: SocketGetOptions) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const onread = { buffer: this.buffer, callback: (bytes: number): boolean => this.onRead(bytes) };
    this.socket = url.protocol === 'https:'
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, onread,
        ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}) } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(options.connectTimeoutMs);
    this.socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => this.socket.setTimeout(options.readTimeoutMs));
    this.socket.on('timeout', () => this.socket.destroy(Object.assign(new Error('socket timed out'), { code: 'ETIMEDOUT' })));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
    this.socket.on('end', () => {
      this.reusable = false;
      this.fail(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  }

  /** Routes the socket's reads to `handler` (false from it pauses reading) and its failures to `failure`. */
  listen(handler: (data: Buffer) => boolean, failure: (error: Error) => void): void {
    this.handler = handler;
    this.failure = failure;
  }

  /** Stops routing: the request is over. */
  release(): void {
    this.handler = undefined;
    this.failure = undefined;
  }

  get usable(): boolean {
    return this.reusable && !this.stray && !this.socket.destroyed;
  }

  private onRead(bytes: number): boolean {
    this.answered = true;
    if (!this.handler) {
      this.stray = true;
      return true;
    }
    return this.handler(this.buffer.subarray(0, bytes));
  }

  private fail(error: Error): void {
    this.reusable = false;
    const failure = this.failure;
    this.release();
    failure?.(error);
  }
}

/** Splits a response head into status, reason and lowercase headers (repeated ones joined with ", "). */
export function parseHead(text: string): { status: number; reason: string; headers: IncomingHttpHeaders; version: string } | undefined {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!statusLine) return undefined;
  const headers: Record<string, string> = Object.create(null) as Record<string, string>; // a header named "constructor" is just a header
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { version: statusLine[1]!, status: Number(statusLine[2]), reason: statusLine[3] ?? '', headers };
}

export class SocketGet {
  private readonly idle = new Map<string, Connection[]>();

  constructor(private readonly options: SocketGetOptions) {}

  /**
   * Sends `GET url` and resolves with the response head. A reused connection that the server closed
   * meanwhile (its keep-alive ran out) is retried once on a new one before anything was received.
   */
  async get(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<SocketResponse> {
    const reused = this.takeIdle(url);
    if (reused) {
      try {
        return await this.send(reused, url, headers, signal);
      } catch (error) {
        if (reused.answered || signal.aborted) throw error;
      }
    }
    return this.send(new Connection(url, this.options), url, headers, signal);
  }

  /** Closes every idle connection. */
  close(): void {
    for (const list of this.idle.values()) for (const connection of list) connection.socket.destroy();
    this.idle.clear();
  }

  private origin(url: URL): string {
    return `${url.protocol}//${url.host}`;
  }

  private takeIdle(url: URL): Connection | undefined {
    const list = this.idle.get(this.origin(url)) ?? [];
    while (list.length > 0) {
      const connection = list.pop()!;
      if (connection.usable) {
        connection.socket.ref();
        return connection;
      }
      connection.socket.destroy();
    }
    return undefined;
  }

  private keep(url: URL, connection: Connection): void {
    connection.release();
    const list = this.idle.get(this.origin(url)) ?? [];
    if (!connection.usable || list.length >= this.options.maxIdle) {
      connection.socket.destroy();
      return;
    }
    connection.socket.unref(); // an idle connection must not keep the process alive
    list.push(connection);
    this.idle.set(this.origin(url), list);
  }

  private send(connection: Connection, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<SocketResponse> {
    const where = safeUrl(url);
    connection.answered = false;
    return new Promise<SocketResponse>((resolve, reject) => {
      let head: Buffer = Buffer.alloc(0);
      const onAbort = (): void => {
        connection.socket.destroy();
        reject(fromRequestError('GET', url.href, Object.assign(new Error('aborted'), { name: 'AbortError' })));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);

      connection.listen((data) => {
        // Usually the whole head is in the first read: parse it in place. The read buffer is not
        // reused until the socket resumes, so the body bytes after the head stay valid until then.
        head = head.length === 0 ? data : Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          head = Buffer.from(head); // the read buffer is about to be reused
          if (head.length > MAX_HEAD_BYTES) {
            done();
            connection.socket.destroy();
            reject(httpError('Unexpected', `read ${where}: the response head is larger than ${MAX_HEAD_BYTES} bytes`));
          }
          return true;
        }
        const parsed = parseHead(head.toString('latin1', 0, end));
        if (!parsed || (parsed.status >= 100 && parsed.status < 200)) {
          done();
          connection.socket.destroy();
          reject(httpError('Unexpected', `read ${where}: the server's response is not HTTP/1.1 this client reads`));
          return false;
        }
        done();
        // The first body bytes came with the head: they are handed over first, before the socket resumes.
        resolve(this.response(connection, url, parsed, head.subarray(end + 4)));
        return false; // nothing more until the caller pipes or discards the body
      }, (error) => {
        done();
        reject(fromRequestError('GET', url.href, error));
      });

      const path = `${url.pathname || '/'}${url.search}`;
      const lines = [`GET ${path} HTTP/1.1`, `host: ${url.host}`];
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
      connection.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      connection.socket.resume();
    });
  }

  private response(connection: Connection, url: URL, parsed: NonNullable<ReturnType<typeof parseHead>>, early: Buffer): SocketResponse {
    const { headers } = parsed;
    const lengthText = headers['content-length'];
    const length = headers['transfer-encoding'] === undefined && typeof lengthText === 'string' && /^\d+$/.test(lengthText)
      ? Number(lengthText) : undefined;
    const connectionHeader = String(headers.connection ?? '').toLowerCase();
    if (parsed.version === '1.0' || connectionHeader.split(',').some((t) => t.trim() === 'close')) connection.reusable = false;
    let used = false;
    return {
      status: parsed.status, reason: parsed.reason, headers, length,
      discard: () => {
        used = true;
        connection.release();
        connection.socket.destroy();
      },
      pipe: (sink, signal) => {
        if (used || length === undefined) return Promise.reject(new Error('socket-get: the body cannot be read here'));
        used = true;
        return this.pipeBody(connection, url, length, early, sink, signal);
      },
    };
  }

  private pipeBody(connection: Connection, url: URL, length: number, early: Buffer, sink: BodySink, signal: AbortSignal): Promise<void> {
    const where = safeUrl(url);
    let left = length;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) {
          connection.release();
          connection.socket.destroy();
          reject(error);
        } else {
          this.keep(url, connection);
          resolve();
        }
      };
      const onAbort = (): void => finish(fromRequestError('GET', url.href, Object.assign(new Error('aborted'), { name: 'AbortError' })));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });

      /** Hands `data` to the sink; false while the sink writes (the socket then stays paused). */
      const deliver = (data: Buffer): boolean => {
        if (data.length > left) {
          connection.reusable = false; // bytes beyond the body: the connection's framing is lost
          data = data.subarray(0, left);
        }
        left -= data.length;
        const wait = data.length > 0 ? sink.write(data) : undefined;
        if (wait) {
          wait.then(() => {
            if (settled) return;
            if (left === 0) finish();
            else connection.socket.resume();
          }, (error: Error) => finish(error));
          return false;
        }
        if (left === 0) {
          finish();
          return false;
        }
        return true;
      };

      connection.listen((data) => (settled ? false : deliver(data)), (error) => {
        finish(left > 0 && error.message === 'premature close'
          ? httpError('ContentIncomplete', `read ${where}: the connection closed after ${length - left} of ${length} bytes`, { retryable: true })
          : fromRequestError('GET', url.href, error));
      });
      if (length === 0 || early.length === 0 || deliver(early)) {
        if (!settled && left === 0) finish();
        else if (!settled) connection.socket.resume();
      }
    });
  }
}
