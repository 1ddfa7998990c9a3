/**
 * A WebHDFS NameNode + DataNode pair on 127.0.0.1, speaking the REST wire protocol the clients call:
 * `/webhdfs/v1/<path>?op=…` (op case-insensitive), FileStatus JSON, LISTSTATUS_BATCH paging with
 * startAfter/remainingEntries, OPEN as a 307 to the DataNode which serves offset/length, RemoteException
 * errors with Hadoop's statuses, and HA standby mode (403 StandbyException on every NameNode call).
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';

export { createTestPki, type TestPki } from './tls.js';

/** One request either node received. */
export interface WebHdfsRequestRecord {
  node: 'namenode' | 'datanode';
  method: string;
  /** Decoded HDFS path. */
  path: string;
  /** Upper-case op. */
  op: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface StartWebHdfsOptions {
  /** Start as a standby NameNode: every NameNode request gets 403 StandbyException. */
  standby?: boolean;
  /** Serve HTTPS with this certificate; with `ca` + `requestCert`, demand a client certificate signed by `ca`. */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
  /** Entries per LISTSTATUS_BATCH page (Hadoop's dfs.ls.limit). @default 1000 */
  batchSize?: number;
  /** false: behave like Hadoop < 2.8, where LISTSTATUS_BATCH is an unknown op. @default true */
  batch?: boolean;
  /** Behave like a secured cluster: without this token (`delegation` or X-Hadoop-Delegation-Token), 401 Negotiate. */
  delegationToken?: string;
}

export interface WebHdfs {
  /** 'host:port' of the NameNode (HDFS_NAMENODE without a scheme). */
  namenode: string;
  /** 'http(s)://host:port' of the NameNode. */
  url: string;
  putFile(path: string, body: Buffer): void;
  mkdir(path: string): void;
  /** Deletes a file or a directory with everything below it. */
  remove(path: string): void;
  /** Every request under `path` gets 403 AccessControlException. */
  deny(path: string): void;
  /** Every NameNode request answers `status` with a RemoteException of `exception` (undefined: no fault). */
  setFault(fault: { status: number; exception: string } | undefined): void;
  requests: WebHdfsRequestRecord[];
  setStandby(standby: boolean): void;
  close(): Promise<void>;
}

type Node = { type: 'FILE'; data: Buffer; mtime: number } | { type: 'DIRECTORY'; mtime: number };

const JAVA_CLASS: Record<string, string> = {
  FileNotFoundException: 'java.io.FileNotFoundException',
  AccessControlException: 'org.apache.hadoop.security.AccessControlException',
  StandbyException: 'org.apache.hadoop.ipc.StandbyException',
  IllegalArgumentException: 'java.lang.IllegalArgumentException',
};

function normalize(path: string): string {
  const p = posix.normalize('/' + path);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function remote(res: ServerResponse, status: number, exception: string, message: string): void {
  sendJson(res, status, { RemoteException: { exception, javaClassName: JAVA_CLASS[exception] ?? `java.io.${exception}`, message } });
}

/** Starts the pair; both nodes listen on 127.0.0.1 with ephemeral ports. */
export async function startWebHdfs(opts: StartWebHdfsOptions = {}): Promise<WebHdfs> {
  const files = new Map<string, Node>([['/', { type: 'DIRECTORY', mtime: 1 }]]);
  const denied: string[] = [];
  const requests: WebHdfsRequestRecord[] = [];
  let standby = opts.standby ?? false;
  let fault: { status: number; exception: string } | undefined;
  let clock = Date.UTC(2024, 0, 1);
  const batchSize = opts.batchSize ?? 1000;
  const scheme = opts.tls ? 'https' : 'http';

  const mkdir = (path: string): void => {
    const p = normalize(path);
    if (p !== '/') mkdir(posix.dirname(p));
    if (!files.has(p)) files.set(p, { type: 'DIRECTORY', mtime: ++clock });
  };
  const children = (dir: string): Array<[string, Node]> =>
    [...files.entries()].filter(([p]) => p !== '/' && posix.dirname(p) === dir).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const status = (path: string, node: Node, suffix: string): Record<string, unknown> => ({
    accessTime: node.mtime, blockSize: node.type === 'FILE' ? 134217728 : 0,
    childrenNum: node.type === 'FILE' ? 0 : children(path).length, fileId: 16386, group: 'supergroup',
    length: node.type === 'FILE' ? node.data.length : 0, modificationTime: node.mtime, owner: 'hdfs',
    pathSuffix: suffix, permission: node.type === 'FILE' ? '644' : '755', replication: node.type === 'FILE' ? 3 : 0,
    storagePolicy: 0, type: node.type,
  });

  function parse(req: IncomingMessage, node: WebHdfsRequestRecord['node']): WebHdfsRequestRecord | undefined {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/webhdfs/v1')) return undefined;
    const path = normalize(url.pathname.slice('/webhdfs/v1'.length).split('/').map(decodeURIComponent).join('/'));
    const query = Object.fromEntries(url.searchParams);
    const record = { node, method: req.method ?? 'GET', path, op: (query.op ?? '').toUpperCase(), query, headers: req.headers };
    requests.push(record);
    return record;
  }

  function authorized(r: WebHdfsRequestRecord): boolean {
    return !opts.delegationToken || r.query.delegation === opts.delegationToken ||
      r.headers['x-hadoop-delegation-token'] === opts.delegationToken;
  }

  function namenode(req: IncomingMessage, res: ServerResponse): void {
    const r = parse(req, 'namenode');
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
      return;
    }
    if (standby) {
      return remote(res, 403, 'StandbyException', 'Operation category READ is not supported in state standby. Visit https://s.apache.org/sbnn-error');
    }
    if (fault) return remote(res, fault.status, fault.exception, `injected ${fault.exception}`);
    if (!authorized(r)) {
      res.writeHead(401, { 'www-authenticate': 'Negotiate', 'content-type': 'text/html' }).end('<html>Authentication required</html>');
      return;
    }
    const user = r.query.doas ?? r.query['user.name'] ?? 'dr.who';
    if (denied.some((d) => r.path === d || r.path.startsWith(d + '/'))) {
      return remote(res, 403, 'AccessControlException', `Permission denied: user=${user}, access=READ_EXECUTE, inode="${r.path}":hdfs:supergroup:drwx------`);
    }
    const node = files.get(r.path);
    const missing = (): void => remote(res, 404, 'FileNotFoundException', `File does not exist: ${r.path}`);
    switch (r.method === 'GET' ? r.op : '') {
      case 'GETFILESTATUS':
        return node ? sendJson(res, 200, { FileStatus: status(r.path, node, '') }) : missing();
      case 'GETHOMEDIRECTORY':
        return sendJson(res, 200, { Path: `/user/${user}` });
      case 'LISTSTATUS': {
        if (!node) return missing();
        const list = node.type === 'FILE' ? [status(r.path, node, '')] : children(r.path).map(([p, n]) => status(p, n, posix.basename(p)));
        return sendJson(res, 200, { FileStatuses: { FileStatus: list } });
      }
      case 'LISTSTATUS_BATCH': {
        if (opts.batch === false) break;
        if (!node) return missing();
        if (node.type === 'FILE') {
          return sendJson(res, 200, { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: [status(r.path, node, '')] } }, remainingEntries: 0 } });
        }
        const after = r.query.startAfter;
        const rest = children(r.path).filter(([p]) => after === undefined || posix.basename(p) > after);
        const page = rest.slice(0, batchSize).map(([p, n]) => status(p, n, posix.basename(p)));
        return sendJson(res, 200, { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: page } }, remainingEntries: rest.length - page.length } });
      }
      case 'OPEN': {
        if (!node) return missing();
        if (node.type !== 'FILE') return remote(res, 404, 'FileNotFoundException', `Path is not a file: ${r.path}`);
        const target = new URL(`${scheme}://${datanodeAddress}/webhdfs/v1${r.path.split('/').map(encodeURIComponent).join('/')}`);
        for (const [k, v] of Object.entries(r.query)) target.searchParams.set(k, v);
        target.searchParams.set('namenoderpcaddress', '127.0.0.1:8020');
        res.writeHead(307, { location: target.href, 'content-type': 'application/octet-stream', 'content-length': 0 }).end();
        return;
      }
    }
    remote(res, 400, 'IllegalArgumentException',
      `Invalid value for webhdfs parameter "op": No enum constant org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.${r.op}`);
  }

  function datanode(req: IncomingMessage, res: ServerResponse): void {
    const r = parse(req, 'datanode');
    const node = r && files.get(r.path);
    if (!r || r.op !== 'OPEN' || !node || node.type !== 'FILE') {
      return remote(res, 404, 'FileNotFoundException', `File does not exist: ${r?.path ?? req.url}`);
    }
    const offset = Number(r.query.offset ?? 0);
    const end = r.query.length === undefined ? node.data.length : Math.min(node.data.length, offset + Number(r.query.length));
    const body = node.data.subarray(Math.min(offset, node.data.length), Math.max(offset, end));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  }

  const make = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
    opts.tls
      ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: opts.tls.requestCert ?? false, rejectUnauthorized: opts.tls.requestCert ?? false }, handler)
      : createHttpServer(handler);
  const listen = (server: Server): Promise<string> => new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
  const nn = make(namenode);
  const dn = make(datanode);
  const [namenodeAddress, datanodeAddress] = await Promise.all([listen(nn), listen(dn)]);

  return {
    namenode: namenodeAddress,
    url: `${scheme}://${namenodeAddress}`,
    putFile(path, body) {
      const p = normalize(path);
      mkdir(posix.dirname(p));
      files.set(p, { type: 'FILE', data: Buffer.from(body), mtime: ++clock });
    },
    mkdir,
    remove(path) {
      const p = normalize(path);
      for (const key of [...files.keys()]) if (key !== '/' && (key === p || key.startsWith(p + '/'))) files.delete(key);
    },
    deny(path) { denied.push(normalize(path)); },
    setFault(f) { fault = f; },
    requests,
    setStandby(b) { standby = b; },
    async close() {
      await Promise.all([nn, dn].map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    },
  };
}
