/** Test helpers for provider-http: contexts with captured logs, draining, a CONNECT proxy, a header-bending front, TLS material. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ProviderContext, ProviderError, RemoteObject } from '@mr-init/core';
import provider from '../../src/provider.js';
import { startHttpOrigin, type HttpOrigin } from '../../../../test/servers/http-origin.js';

export interface TestContext extends ProviderContext {
  logs: string[];
}

/** A context with exactly this environment (never the machine's proxies) and a log that records every line. */
export function context(env: Record<string, string> = {}, signal = new AbortController().signal): TestContext {
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>): void => {
    logs.push(`${level} ${message}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  };
  return { env, settings: {}, signal, logs, logger: { debug: log('debug'), info: log('info'), warn: log('warn') } };
}

export async function listAll(uri: string | URL, ctx: ProviderContext = context()): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const obj of provider.list(new URL(uri), ctx)) out.push(obj);
  return out;
}

export async function listOne(uri: string | URL, ctx: ProviderContext = context()): Promise<RemoteObject> {
  const objects = await listAll(uri, ctx);
  expect(objects).toHaveLength(1);
  return objects[0];
}

export async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What `fn` threw (or the stream it returned emitted), as a provider error; fails when it succeeded. */
export async function failure(fn: () => Promise<unknown>): Promise<ProviderError> {
  try {
    const value = await fn();
    if (value && typeof (value as Readable).pipe === 'function') await drain(value as Readable);
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a failure, but the call succeeded');
}

export const bytesOf = (n: number, seed = 7): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 8)) % 256));

/** A CONNECT proxy on 127.0.0.1 that records each tunnel's target; optional Basic credentials. */
export async function startConnectProxy(options: { auth?: string } = {}): Promise<{ url: string; tunnels: string[]; close(): Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end('this proxy only tunnels (CONNECT)');
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: net.Socket, head: Buffer) => {
    if (options.auth && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(options.auth).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

export interface FrontOptions {
  /** Answer HEAD with this status instead of forwarding it. */
  refuseHead?: number;
  /** Forward HEAD but drop its Content-Length. */
  headWithoutLength?: boolean;
  /** Drop Range and If-Range before forwarding, as a server without range support behaves. */
  ignoreRange?: boolean;
  /** Replace the Content-Range of 206 responses. */
  contentRange?: string;
}

/** A small reverse proxy in front of the origin that bends one behaviour (servers the origin does not imitate). */
export async function startFront(originUrl: string, options: FrontOptions): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(originUrl);
  const server = http.createServer((req, res) => {
    if (req.method === 'HEAD' && options.refuseHead) {
      res.writeHead(options.refuseHead, { Allow: 'GET' }).end();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
    if (options.ignoreRange) {
      delete headers.range;
      delete headers['if-range'];
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (up) => {
      const out = { ...up.headers };
      if (req.method === 'HEAD' && options.headWithoutLength) delete out['content-length'];
      if (up.statusCode === 206 && options.contentRange) out['content-range'] = options.contentRange;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A self-signed certificate for 127.0.0.1 (openssl from the OS), with a folder to put a CA bundle in. */
export function makeCertificate(): { key: string; cert: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'provider-http-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * One test origin for a test file: started before its tests, serving `body` at /m/model.bin with faults
 * and stats reset before each test, and closed (with the provider's pooled connections) after them.
 */
export function useOrigin(body: Buffer): { origin: HttpOrigin } {
  const served = {} as { origin: HttpOrigin };
  beforeAll(async () => {
    served.origin = await startHttpOrigin();
  });
  afterAll(async () => {
    await provider.close?.();
    await served.origin.close();
  });
  beforeEach(() => {
    served.origin.setFile('/m/model.bin', { body });
    served.origin.clearFaults();
    served.origin.resetStats();
  });
  return served;
}
