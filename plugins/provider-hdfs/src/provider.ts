/**
 * @mr-init/provider-hdfs: hdfs:// and webhdfs:// through WebHDFS, configured as KServe mounts HDFS secrets.
 *
 * Versions: `version` is FileStatus `modificationTime-length`. Checking it costs a GETFILESTATUS, too much per
 * part, so read() checks it (a) on every part that starts at byte 0, which every fresh file download reads,
 * and (b) on the first read of each object in this process, which covers a resumed download whose first
 * part was already done. A same-length rewrite landing between those checks and a later part is not seen;
 * HDFS files are written once (a rewrite is a new file with a new mtime), so (a) catches the usual case.
 */
import { Readable } from 'node:stream';
import type { ByteRange, Capabilities, ProviderContext, RemoteObject, StorageProvider } from '@mr-init/core';
import { HdfsClient, type FileStatus } from './client.js';
import { providerError } from './errors.js';
import { describeOptions, loadHdfsOptions, type HdfsOptions } from './options.js';
import { baseName, needsHome, resolveHdfsPath, uriPath } from './paths.js';

/** Debug namespace of this provider. */
export const DEBUG_NAMESPACE = 'mr-init:hdfs';
/** Runtime packages this provider imports lazily (checked against package.json by a test). */
export const PROVIDER_DEPENDENCIES = ['webhdfs'] as const;

/** What WebHDFS gives: ranged OPEN, recursive listing; no usable whole-file checksum (HDFS's is MD5-of-CRCs). */
export const capabilities: Capabilities = {
  rangedRead: true,
  prefixListing: true,
  checksums: [],
  versionPinning: true,
};

/** Clients by their full configuration, so every call with the same settings shares sockets and NameNode state. */
const clients = new Map<string, HdfsClient>();
/** Resolved sessions by ctx.env and ctx.settings identity, so parts do not re-read the secret dir. */
let sessions = new WeakMap<object, WeakMap<object, Promise<Session>>>();
/** Objects whose version was checked in this process (see the header comment). */
const checked = new Map<string, Promise<void>>();

interface Session {
  options: HdfsOptions;
  client: HdfsClient;
}

async function createSession(ctx: ProviderContext): Promise<Session> {
  const options = await loadHdfsOptions(ctx);
  const key = JSON.stringify(options);
  let client = clients.get(key);
  if (!client) {
    ctx.logger.debug('hdfs: configuration', describeOptions(options));
    if (options.kerberosPrincipal || options.kerberosKeytab) {
      ctx.logger.info('hdfs: KERBEROS_PRINCIPAL/KERBEROS_KEYTAB are not used (no SPNEGO); authenticating with the delegation token or HEADERS');
    }
    client = new HdfsClient(options);
    clients.set(key, client);
  }
  return { options, client };
}

function sessionFor(ctx: ProviderContext): Promise<Session> {
  let bySettings = sessions.get(ctx.env);
  if (!bySettings) sessions.set(ctx.env, (bySettings = new WeakMap()));
  let session = bySettings.get(ctx.settings);
  if (!session) {
    session = createSession(ctx);
    bySettings.set(ctx.settings, session);
    session.catch(() => bySettings!.delete(ctx.settings));
  }
  return session;
}

function versionOf(status: FileStatus): string {
  return `${status.modificationTime}-${status.length}`;
}

function joinPath(dir: string, rel: string): string {
  return dir === '/' ? `/${rel}` : `${dir}/${rel}`;
}

function toObject(path: string, location: string, status: FileStatus): RemoteObject {
  return { path, size: status.length, location, version: versionOf(status) };
}

async function* list(uri: URL, ctx: ProviderContext): AsyncGenerator<RemoteObject> {
  const { client, options } = await sessionFor(ctx);
  const parts = uriPath(uri);
  const home = needsHome(parts, options.rootPath) ? await client.homeDirectory(ctx) : undefined;
  const root = resolveHdfsPath(parts, options.rootPath, home);
  let status: FileStatus;
  try {
    status = await client.stat(root, ctx);
  } catch (error) {
    if ((error as { kind?: string }).kind !== 'NotFound') throw error;
    ctx.logger.debug('hdfs: nothing at this path', { path: root });
    return;
  }
  if (status.type === 'FILE') {
    yield toObject(baseName(root), root, status);
    return;
  }
  if (status.type !== 'DIRECTORY') return;
  // Depth-first, each directory's entries in the server's (lexical) order; directories yield nothing themselves.
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    const subdirectories: string[] = [];
    for await (const entry of client.listDirectory(rel ? joinPath(root, rel) : root, ctx)) {
      const child = rel ? `${rel}/${entry.pathSuffix}` : entry.pathSuffix;
      if (entry.type === 'DIRECTORY') subdirectories.push(child);
      else if (entry.type === 'FILE') yield toObject(child, joinPath(root, child), entry);
      else ctx.logger.debug('hdfs: skipping a symlink', { path: joinPath(root, child) });
    }
    pending.push(...subdirectories.reverse());
  }
}

async function checkVersion(client: HdfsClient, obj: RemoteObject, ctx: ProviderContext): Promise<void> {
  const now = versionOf(await client.stat(obj.location, ctx));
  if (now !== obj.version) {
    throw providerError('VersionChanged',
      `hdfs: ${obj.location} changed since it was listed (version ${obj.version}, now ${now})`,
      { hint: 'The file was rewritten during the download; it is fetched again from the start.' });
  }
}

async function read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
  const { client } = await sessionFor(ctx);
  if (range && range.end <= range.start) return Readable.from([]);
  if (obj.version) {
    const key = `${obj.location}\0${obj.version}`;
    let check = !range || range.start === 0 ? undefined : checked.get(key);
    if (!check) {
      const fresh = checkVersion(client, obj, ctx);
      checked.set(key, fresh);
      // A failed check is not remembered: the parts awaiting it fail, later ones check again.
      fresh.catch(() => { if (checked.get(key) === fresh) checked.delete(key); });
      check = fresh;
    }
    await check;
  }
  return client.open(obj.location, range, ctx);
}

async function close(): Promise<void> {
  for (const client of clients.values()) client.close();
  clients.clear();
  checked.clear();
  sessions = new WeakMap();
}

/** The HDFS provider. */
const provider: StorageProvider = { name: 'hdfs', capabilities, list, read, close };
export default provider;
