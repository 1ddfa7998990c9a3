/**
 * Ambient types for `webhdfs` 1.2 (it ships none). Only what mr-init uses is declared: the client's
 * `stat`/`readdir` return the underlying `request` object, whose `response` event is how the HTTP status
 * and the RemoteException body are recovered (the client's own errors drop both).
 */
declare module 'webhdfs' {
  import type { EventEmitter } from 'node:events';
  import type { Agent } from 'node:http';

  /** One entry of a WebHDFS `FileStatus` / `FileStatuses` answer. */
  export interface WebHdfsFileStatus {
    pathSuffix: string;
    type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
    length: number;
    modificationTime: number;
    accessTime?: number;
    blockSize?: number;
    owner?: string;
    group?: string;
    permission?: string;
    replication?: number;
    fileId?: number;
    childrenNum?: number;
  }

  /** Where the client sends requests: `<protocol>://<host>:<port><path><hdfs path>?op=…`. */
  export interface WebHdfsClientOptions {
    host?: string;
    port?: number | string;
    /** Prefix before the HDFS path. @default '/webhdfs/v1' */
    path?: string;
    protocol?: 'http' | 'https';
    /** Sent as `user.name`. */
    user?: string;
  }

  /** Options merged into every `request` call (headers, agent, timeout, qs…). */
  export interface WebHdfsRequestParams {
    headers?: Record<string, string>;
    agent?: Agent;
    timeout?: number;
    qs?: Record<string, string>;
    [key: string]: unknown;
  }

  /** The `request` library's Request: an EventEmitter that emits `response` before the callback runs. */
  export interface WebHdfsRequest extends EventEmitter {
    abort(): void;
  }

  export interface WebHdfsClient {
    stat(path: string, callback: (error: Error | null, status?: WebHdfsFileStatus) => void): WebHdfsRequest;
    readdir(path: string, callback: (error: Error | null, files?: WebHdfsFileStatus[]) => void): WebHdfsRequest;
  }

  export function createClient(options?: WebHdfsClientOptions, requestParams?: WebHdfsRequestParams): WebHdfsClient;

  const webhdfs: { createClient: typeof createClient };
  export default webhdfs;
}
