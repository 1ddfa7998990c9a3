/**
 * The few WebHDFS calls made with node:http/https directly instead of the webhdfs client, and why:
 * - OPEN: the client's createReadStream buffers error bodies into the data stream (a 503 body would be
 *   written as file bytes), cannot be aborted by an AbortSignal, and lets `request` follow the 307 blindly.
 *   Here the NameNode's 307 is followed by hand (Authorization/Cookie are not sent to another origin,
 *   as Python requests does for KServe), and the DataNode's body is returned as the raw stream.
 * - LISTSTATUS_BATCH and GETHOMEDIRECTORY: the client does not have them.
 * Both share the client's keep-alive agents, so TLS settings and sockets are the same everywhere.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { WebHdfsFailure } from './errors.js';
import { parseRemoteException } from './errors.js';

/** Thrown inside the client; the public methods turn it into a provider error (or fail over on it). */
export class WebHdfsFailureError extends Error {
  constructor(readonly failure: WebHdfsFailure) {
    super(`${failure.op} ${failure.path}: ${failure.exception ?? failure.code ?? failure.status}`);
  }
}

/** Sockets, TLS and headers shared by every request of one client. */
export interface Transport {
  http: HttpAgent;
  https: HttpsAgent;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Which hop of a call failed: the NameNode (fail over) or the DataNode it redirected to (do not). */
export type Stage = 'namenode' | 'datanode';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const MAX_ERROR_BODY = 64 * 1024;

interface Call {
  op: string;
  path: string;
  signal?: AbortSignal;
}

function failure(call: Call, url: URL, stage: Stage, fields: Partial<WebHdfsFailure>): WebHdfsFailureError {
  return new WebHdfsFailureError({ op: call.op, path: call.path, node: url.host, stage, ...fields });
}

/** One GET, resolved when the response headers arrive. */
function get(url: URL, headers: Record<string, string>, transport: Transport, call: Call, stage: Stage): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = url.protocol === 'https:' ? transport.https : transport.http;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers, agent, signal: call.signal }, resolve);
    req.setTimeout(transport.timeoutMs, () => {
      req.destroy(Object.assign(new Error(`no data for ${transport.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      reject(failure(call, url, stage, { code: error.code ?? 'ECONNRESET', message: error.message, cause: error }));
    });
    req.end();
  });
}

async function readSome(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > limit) break;
  }
  return Buffer.concat(chunks);
}

async function failed(res: IncomingMessage, url: URL, call: Call, stage: Stage): Promise<never> {
  const body = await readSome(res, MAX_ERROR_BODY).catch(() => Buffer.alloc(0));
  res.destroy();
  const remote = parseRemoteException(body);
  throw failure(call, url, stage, { status: res.statusCode, ...remote });
}

/** GETs a JSON answer from a NameNode; non-2xx becomes a WebHdfsFailureError with the RemoteException. */
export async function getJson(url: URL, transport: Transport, call: Call): Promise<unknown> {
  const res = await get(url, { ...transport.headers, accept: 'application/json' }, transport, call, 'namenode');
  if (res.statusCode !== 200) return failed(res, url, call, 'namenode');
  const body = await readSome(res, Number.MAX_SAFE_INTEGER);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw failure(call, url, 'namenode', { status: 200, message: 'the answer is not JSON' });
  }
}

/** OPEN: asks the NameNode, follows its redirect to the DataNode and returns the body stream. */
export async function openStream(url: URL, transport: Transport, call: Call): Promise<IncomingMessage> {
  let target = url;
  let headers = transport.headers;
  let stage: Stage = 'namenode';
  for (let hop = 0; hop < 4; hop++) {
    const res = await get(target, headers, transport, call, stage);
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) {
      // A socket error mid-body is transient: the engine resumes the part.
      res.on('error', (error: Error & { kind?: string; retryable?: boolean }) => {
        error.kind ??= 'Unavailable';
        error.retryable ??= true;
      });
      return res;
    }
    if (!REDIRECTS.has(status) || !res.headers.location) return failed(res, target, call, stage);
    res.resume();
    const next = new URL(res.headers.location, target);
    if (next.origin !== target.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
    }
    target = next;
    stage = 'datanode';
  }
  throw failure(call, target, stage, { message: 'too many redirects' });
}
