/**
 * URI → HDFS path, as KServe does it: strip `hdfs://` / `webhdfs://` and keep the rest, so the URI's host is
 * the first path segment (`hdfs://user/me/m` → `user/me/m`). That relative path is joined to HDFS_ROOTPATH
 * (hdfscli's `root`; a relative root is under the user's home directory), or to `/` when no root is set.
 * `hdfs:///abs/path` is already absolute and ignores the root, as in hdfscli.
 */
import { posix } from 'node:path';
import { providerError } from './errors.js';

/** The path part of an hdfs:// URI, percent-decoded. */
export interface UriPath {
  path: string;
  /** True for `hdfs:///abs/...` (empty host): the root path does not apply. */
  absolute: boolean;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Splits a URI into its HDFS path; refuses `host:port` and user info, which would be taken as path text. */
export function uriPath(uri: URL): UriPath {
  if (uri.port || uri.username || uri.password) {
    throw providerError('InvalidConfig',
      `hdfs: ${uri.protocol}//${uri.host}/… names a NameNode, but mr-init follows KServe: the URI's host is the first path segment`,
      { hint: 'Write hdfs://<path> (e.g. hdfs://user/me/model) and put the NameNode address in HDFS_NAMENODE.' });
  }
  const rest = uri.host + uri.pathname + uri.search + uri.hash;
  return { path: rest.split('/').map(decodeSegment).join('/'), absolute: rest.startsWith('/') };
}

/** Normalises an absolute HDFS path: no `.`/`..`, no trailing slash (except `/`). */
export function normalizeHdfsPath(path: string): string {
  const normalized = posix.normalize('/' + path);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

/** True when the root path needs the home directory (GETHOMEDIRECTORY) to be resolved. */
export function needsHome(uri: UriPath, rootPath: string | undefined): boolean {
  return !uri.absolute && Boolean(rootPath) && !rootPath!.startsWith('/');
}

/** The absolute HDFS path for a URI path, root path and (for a relative root) home directory. */
export function resolveHdfsPath(uri: UriPath, rootPath: string | undefined, home?: string): string {
  if (uri.absolute || !rootPath) return normalizeHdfsPath(uri.path);
  const root = rootPath.startsWith('/') ? rootPath : `${home ?? ''}/${rootPath}`;
  return normalizeHdfsPath(`${root}/${uri.path}`);
}

/** Percent-encodes an HDFS path for a URL path, segment by segment. */
export function encodeHdfsPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The last segment of an absolute path. */
export function baseName(path: string): string {
  return posix.basename(path);
}
