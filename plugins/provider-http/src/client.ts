/**
 * The HTTP client: got (imported on first use) over keep-alive agents, through hpagent when a proxy
 * applies. One attempt per call (the engine retries and resumes), no decompression (bytes must arrive as
 * stored), and no whole-request timeout (it would cut long downloads): connect, response and socket-idle
 * timeouts only. `<hostname>-headers` apply to every request for that host, redirects included, and are
 * dropped when a redirect leaves the host.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { ProviderContext } from '@mr-init/core';
import type { Got, Request as GotRequest, Response as GotResponse } from 'got';
import { fromRequestError, httpError } from './errors.js';
import { hostHeaders, type HttpOptions } from './options.js';
import { proxyFor } from './proxy.js';
import { SocketGet } from './socket-get.js';

/** Sent with every request, by got and by the socket path alike; identity: bytes must arrive as stored. */
const BASE_HEADERS = { 'user-agent': 'mr-init provider-http', 'accept-encoding': 'identity' } as const;

let gotModule: Promise<typeof import('got')> | undefined;
let hpagentModule: Promise<typeof import('hpagent')> | undefined;

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** A response whose headers have arrived; `body` is still to be read (or destroyed). */
export interface OpenResponse {
  status: number;
  reason: string;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: GotRequest;
}

export class HttpClient {
  private got?: Promise<Got>;
  private readonly agents = new Map<string, Promise<Agents>>();
  private socketGet?: Promise<SocketGet>;
  /** URLs that answered with a redirect: read through got, which follows it. */
  private readonly redirecting = new Set<string>();

  constructor(readonly options: HttpOptions) {}

  /** Sends `method url` and resolves once response headers arrive, whatever the status. */
  async open(method: 'GET' | 'HEAD', url: string, ctx: Pick<ProviderContext, 'env' | 'settings' | 'signal'>, headers: Record<string, string> = {}): Promise<OpenResponse> {
    const got = await (this.got ??= this.createGot());
    let host = new URL(url).hostname;
    const request = got.stream(url, {
      method,
      headers: { ...hostHeaders(ctx, host), ...headers },
      agent: await this.agentsFor(new URL(url)),
      signal: ctx.signal,
      hooks: {
        beforeRedirect: [async (options) => {
          const next = new URL(options.url as URL);
          // Credentials for one host never travel to another; the new host gets its own, if any.
          for (const name of Object.keys(hostHeaders(ctx, host))) delete options.headers[name];
          Object.assign(options.headers, hostHeaders(ctx, next.hostname));
          host = next.hostname;
          options.agent = await this.agentsFor(next);
        }],
      },
    });
    // The caller adopts the stream after this resolves; until then an error must not crash the process.
    // Whoever reads the body checks `errored` first, so nothing is lost.
    request.on('error', () => {});
    return new Promise<OpenResponse>((resolve, reject) => {
      request.once('response', (response: GotResponse) => {
        request.off('error', reject);
        resolve({ status: response.statusCode, reason: response.statusMessage ?? '', headers: response.headers, url: response.url, body: request });
      });
      request.once('error', (error) => reject(fromRequestError(method === 'HEAD' ? 'HEAD' : 'GET', url, error)));
    });
  }

  /**
   * The socket-level client for GETs of `url` (socket-get.ts), or undefined when `url` needs what only
   * got does: a proxy, credentials in the URL, or a redirect it answered with before.
   */
  async direct(url: URL): Promise<SocketGet | undefined> {
    if (!/^https?:$/.test(url.protocol) || url.username || url.password) return undefined;
    if (this.redirecting.has(url.href) || proxyFor(url, this.options)) return undefined;
    return this.socketGet ??= this.extraCa().then((ca) => new SocketGet({
      connectTimeoutMs: this.options.connectTimeoutMs, readTimeoutMs: this.options.readTimeoutMs,
      maxIdle: Math.min(this.options.maxSockets, 32), ...(ca ? { ca } : {}),
    }));
  }

  /** Notes that `url` redirects, so its reads go through got from now on. */
  redirected(url: URL): void {
    this.redirecting.add(url.href);
  }

  /** The headers every request to `url` carries: got's defaults here and the host's own (`<hostname>-headers`). */
  headersFor(url: URL, ctx: Pick<ProviderContext, 'env' | 'settings'>): Record<string, string> {
    return { ...BASE_HEADERS, ...hostHeaders(ctx, url.hostname) };
  }

  /** Releases every pooled socket. */
  async close(): Promise<void> {
    const direct = this.socketGet;
    this.socketGet = undefined;
    (await direct?.catch(() => undefined))?.close();
    const all = await Promise.allSettled([...this.agents.values()]);
    this.agents.clear();
    for (const result of all) {
      if (result.status !== 'fulfilled') continue;
      result.value.http.destroy();
      result.value.https.destroy();
    }
  }

  private async createGot(): Promise<Got> {
    const { default: got } = await (gotModule ??= import('got'));
    const ca = await this.extraCa();
    return got.extend({
      retry: { limit: 0 },
      decompress: false,
      throwHttpErrors: false,
      followRedirect: true,
      maxRedirects: 10,
      timeout: { connect: this.options.connectTimeoutMs, response: this.options.readTimeoutMs, socket: this.options.readTimeoutMs },
      headers: { ...BASE_HEADERS },
      ...(ca ? { https: { certificateAuthority: [...rootCertificates, ca] } } : {}),
    });
  }

  private async extraCa(): Promise<string | undefined> {
    const file = this.options.caBundleFile;
    if (!file) return undefined;
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw httpError('InvalidConfig', `CA bundle ${file} (CA_BUNDLE_CONFIGMAP_NAME is set) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { hint: 'Mount the ConfigMap at CA_BUNDLE_VOLUME_MOUNT_POINT with a cabundle.crt key, or unset CA_BUNDLE_CONFIGMAP_NAME.' });
    }
  }

  /** Keep-alive agents for `url`: direct, or through the proxy that applies to it (one pool per proxy). */
  private agentsFor(url: URL): Promise<Agents> {
    const proxy = proxyFor(url, this.options);
    const key = proxy ?? '';
    let agents = this.agents.get(key);
    if (!agents) {
      agents = this.createAgents(proxy);
      this.agents.set(key, agents);
    }
    return agents;
  }

  private async createAgents(proxy: string | undefined): Promise<Agents> {
    const common = { keepAlive: true, maxSockets: this.options.maxSockets, maxFreeSockets: Math.min(this.options.maxSockets, 32), scheduling: 'lifo' as const };
    if (!proxy) return { http: new http.Agent(common), https: new https.Agent(common) };
    const { HttpProxyAgent, HttpsProxyAgent } = await (hpagentModule ??= import('hpagent'));
    const ca = await this.extraCa();
    const proxyRequestOptions = ca ? { ca: [...rootCertificates, ca] } : undefined;
    return {
      http: new HttpProxyAgent({ ...common, proxy, proxyRequestOptions }),
      https: new HttpsProxyAgent({ ...common, proxy, proxyRequestOptions }),
    };
  }
}

/** Reads at most `limit` bytes of a body as text (an error page's first words), then lets it go. */
export async function readSnippet(body: Readable, limit = 512): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break;
    }
  } catch {
    // an error page that fails to arrive still has its status
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}
