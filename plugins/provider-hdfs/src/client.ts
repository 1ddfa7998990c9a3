/**
 * The WebHDFS client: NameNode HA failover around every call, GETFILESTATUS and the LISTSTATUS fallback
 * through the `webhdfs` package (loaded on first use, memoised), and the calls it cannot make well through
 * node:http (see http.ts). The webhdfs client's errors keep only the message, so each of its calls is read
 * through the `request` object it returns: its `response` event gives the status and the RemoteException.
 */
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { ByteRange, Logger } from '@mr-init/core';
import type * as WebHdfsModule from 'webhdfs';
import type { WebHdfsClient, WebHdfsFileStatus, WebHdfsRequest } from 'webhdfs';
import {
  isConnectionFailure, isStandby, isUnsupportedOp, parseRemoteException, providerError, toProviderError,
} from './errors.js';
import { WebHdfsFailureError, getJson, openStream, type Transport } from './http.js';
import type { HdfsOptions } from './options.js';
import { encodeHdfsPath } from './paths.js';

export type FileStatus = WebHdfsFileStatus;

/** Per-call context: where to log and when to give up. */
export interface CallContext {
  logger: Logger;
  signal?: AbortSignal;
}
type WebHdfs = typeof WebHdfsModule.default;

let webhdfs: Promise<WebHdfs> | undefined;

/** Imports the webhdfs package once, on first use. */
export function loadWebHdfs(): Promise<WebHdfs> {
  webhdfs ??= import('webhdfs').then((mod) => (mod.default ?? mod) as WebHdfs);
  return webhdfs;
}

interface Listing {
  DirectoryListing?: { partialListing?: { FileStatuses?: { FileStatus?: FileStatus[] } }; remainingEntries?: number };
}

/** One configured HDFS (a set of NameNodes); safe to share between concurrent calls. */
export class HdfsClient {
  private active = 0;
  private batch: boolean | undefined;
  private readonly transport: Transport;
  private readonly clients: Array<WebHdfsClient | undefined> = [];

  constructor(private readonly options: HdfsOptions) {
    this.transport = {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({
        keepAlive: true,
        ca: options.tlsCa,
        cert: options.tlsCert,
        key: options.tlsKey,
        rejectUnauthorized: !options.tlsSkipVerify,
      }),
      headers: { ...options.headers },
      timeoutMs: options.timeoutMs,
    };
  }

  /**
   * Identity parameters. Simple auth: `user.name` (HADOOP_USER_NAME, else USER_PROXY) plus `doas` when they
   * differ. With a delegation token the token is the identity and USER_PROXY goes in `doas`, as hdfscli's proxy.
   */
  private identity(): Record<string, string> {
    const { userName, userProxy, delegationToken } = this.options;
    const params: Record<string, string> = {};
    if (delegationToken) {
      params.delegation = delegationToken;
      if (userProxy) params.doas = userProxy;
      return params;
    }
    const user = userName ?? userProxy;
    if (user) params['user.name'] = user;
    if (userProxy && userProxy !== user) params.doas = userProxy;
    return params;
  }

  private url(index: number, op: string, path: string, params: Record<string, string> = {}): URL {
    const base = this.options.namenodes[index]!;
    const url = new URL(base.href.replace(/\/$/, '') + '/webhdfs/v1' + encodeHdfsPath(path));
    for (const [name, value] of Object.entries({ op, ...this.identity(), ...params })) url.searchParams.set(name, value);
    return url;
  }

  /** Runs `call` on the active NameNode, moving on to the next on a connection error or StandbyException. */
  private async onNamenode<T>(op: string, path: string, cx: CallContext, call: (index: number) => Promise<T>): Promise<T> {
    const count = this.options.namenodes.length;
    const reasons: string[] = [];
    let standby = false;
    for (let tried = 0; tried < count; tried++) {
      const index = (this.active + tried) % count;
      try {
        const result = await call(index);
        this.active = index;
        return result;
      } catch (error) {
        if (!(error instanceof WebHdfsFailureError)) throw error;
        const f = error.failure;
        if (!isStandby(f) && !isConnectionFailure(f)) throw error;
        standby ||= isStandby(f);
        const reason = isStandby(f) ? 'standby' : f.code ?? 'unreachable';
        reasons.push(`${f.node} ${reason}`);
        if (tried + 1 < count) cx.logger.warn(`hdfs: NameNode ${f.node} is ${reason}; trying the next one`, { op, path });
      }
    }
    throw providerError('Unavailable', `hdfs: ${op} ${path}: no active NameNode answered (${reasons.join(', ')})`, {
      retryable: true,
      hint: standby
        ? 'Every NameNode listed in HDFS_NAMENODE is standby; list the active one too, or retry after the failover.'
        : 'Check HDFS_NAMENODE (http(s)://host:port of WebHDFS) and that the NameNodes are reachable.',
    });
  }

  private async webhdfsClient(index: number): Promise<WebHdfsClient> {
    const existing = this.clients[index];
    if (existing) return existing;
    const { createClient } = await loadWebHdfs();
    const base = this.options.namenodes[index]!;
    const https = base.protocol === 'https:';
    const client = createClient(
      {
        host: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port || (https ? 443 : 80),
        protocol: https ? 'https' : 'http',
        path: base.pathname.replace(/\/$/, '') + '/webhdfs/v1',
      },
      {
        agent: https ? this.transport.https : this.transport.http,
        headers: this.transport.headers,
        timeout: this.options.timeoutMs,
        qs: this.identity(),
      },
    );
    this.clients[index] = client;
    return client;
  }

  /** Calls one webhdfs client method, recovering status and RemoteException from its `request` object. */
  private async viaWebHdfs<T>(index: number, op: string, path: string, { signal }: CallContext,
    start: (client: WebHdfsClient, done: (error: Error | null, value?: T) => void) => WebHdfsRequest): Promise<T> {
    const client = await this.webhdfsClient(index);
    const node = this.options.namenodes[index]!.host;
    return new Promise<T>((resolve, reject) => {
      let response: (IncomingMessage & { body?: unknown }) | undefined;
      const onAbort = (): void => {
        request.abort();
        reject(new WebHdfsFailureError({ op, path, node, code: 'ABORT_ERR', message: 'aborted' }));
      };
      const request = start(client, (error, value) => {
        signal?.removeEventListener('abort', onAbort);
        if (!error) return resolve(value as T);
        const remote = parseRemoteException(response?.body);
        reject(new WebHdfsFailureError({
          op, path, node, stage: 'namenode', status: response?.statusCode, exception: remote.exception,
          message: remote.message ?? error.message, code: (error as NodeJS.ErrnoException).code, cause: error,
        }));
      });
      request.on('response', (res: IncomingMessage) => { response = res; });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async run<T>(op: string, path: string, cx: CallContext, call: (index: number) => Promise<T>): Promise<T> {
    try {
      return await this.onNamenode(op, path, cx, call);
    } catch (error) {
      throw error instanceof WebHdfsFailureError ? toProviderError(error.failure) : error;
    }
  }

  /** GETFILESTATUS through the webhdfs client. */
  stat(path: string, cx: CallContext): Promise<FileStatus> {
    cx.logger.debug('hdfs: GETFILESTATUS', { path });
    return this.run('GETFILESTATUS', path, cx, (index) =>
      this.viaWebHdfs<FileStatus>(index, 'GETFILESTATUS', path, cx, (client, done) => client.stat(encodeHdfsPath(path), done)));
  }

  /** GETHOMEDIRECTORY, for a relative HDFS_ROOTPATH. */
  async homeDirectory(cx: CallContext): Promise<string> {
    const answer = await this.run('GETHOMEDIRECTORY', '/', cx, (index) =>
      getJson(this.url(index, 'GETHOMEDIRECTORY', '/'), this.transport, { op: 'GETHOMEDIRECTORY', path: '/', signal: cx.signal }));
    const home = (answer as { Path?: unknown }).Path;
    if (typeof home !== 'string') throw providerError('Unexpected', 'hdfs: GETHOMEDIRECTORY gave no Path');
    return home;
  }

  /** One directory's entries: LISTSTATUS_BATCH pages where the server has it, else one LISTSTATUS. */
  async *listDirectory(path: string, cx: CallContext): AsyncGenerator<FileStatus> {
    let startAfter: string | undefined;
    while (this.batch !== false) {
      const params: Record<string, string> = startAfter === undefined ? {} : { startAfter };
      cx.logger.debug('hdfs: LISTSTATUS_BATCH', { path, startAfter });
      let answer: Listing;
      try {
        answer = await this.onNamenode('LISTSTATUS_BATCH', path, cx, (index) =>
          getJson(this.url(index, 'LISTSTATUS_BATCH', path, params), this.transport, { op: 'LISTSTATUS_BATCH', path, signal: cx.signal })) as Listing;
      } catch (error) {
        if (error instanceof WebHdfsFailureError && startAfter === undefined && isUnsupportedOp(error.failure)) {
          cx.logger.debug('hdfs: LISTSTATUS_BATCH is not supported here; using LISTSTATUS');
          this.batch = false;
          break;
        }
        throw error instanceof WebHdfsFailureError ? toProviderError(error.failure) : error;
      }
      this.batch = true;
      const entries = answer.DirectoryListing?.partialListing?.FileStatuses?.FileStatus ?? [];
      yield* entries;
      if (!answer.DirectoryListing?.remainingEntries || entries.length === 0) return;
      startAfter = entries[entries.length - 1]!.pathSuffix;
    }
    cx.logger.debug('hdfs: LISTSTATUS', { path });
    yield* await this.run('LISTSTATUS', path, cx, (index) =>
      this.viaWebHdfs<FileStatus[]>(index, 'LISTSTATUS', path, cx, (client, done) => client.readdir(encodeHdfsPath(path), done)));
  }

  /** OPEN [offset, offset+length) and follow the NameNode's redirect to the DataNode. */
  open(path: string, range: ByteRange | undefined, cx: CallContext): Promise<Readable> {
    const params: Record<string, string> = { offset: String(range?.start ?? 0) };
    if (range) params.length = String(range.end - range.start);
    cx.logger.debug('hdfs: OPEN', { path, ...params });
    return this.run('OPEN', path, cx, (index) =>
      openStream(this.url(index, 'OPEN', path, params), this.transport, { op: 'OPEN', path, signal: cx.signal }));
  }

  /** Closes pooled sockets. */
  close(): void {
    this.transport.http.destroy();
    this.transport.https.destroy();
  }
}
