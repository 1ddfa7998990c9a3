/**
 * Path safety: a listed path becomes a file under the destination only if it cannot escape it.
 * Object names come from storage that someone else may control, so nothing is trusted.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrUnsafePath } from '../errors.js';

/** Names the engine owns at the top of the destination. */
export const STAGING_DIR = '.mr-init-staging';
export const MARKER_FILE = '.mr-init-complete.json';

/** Quotes a path for a message (JSON escapes NUL and control characters). */
export function quotePath(path: string): string {
  return JSON.stringify(path);
}

/**
 * The normalised relative path ('.' and empty segments dropped), or throws ErrUnsafePath for `..`,
 * absolute paths, backslashes, NUL, an empty result and the engine's own reserved names.
 */
export function normalizeRelativePath(path: string, context: string): string {
  const refuse = (why: string): never => {
    throw new ErrUnsafePath(`${context}: object path ${quotePath(path)} ${why}`);
  };
  if (path.includes('\0')) refuse('contains a NUL byte');
  if (path.includes('\\')) refuse('contains a backslash (ambiguous on some systems, a path separator on Windows)');
  if (path.startsWith('/')) refuse('is absolute');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) refuse('contains a ".." segment');
  if (segments.length === 0) refuse('is empty');
  if (segments[0] === STAGING_DIR || (segments.length === 1 && segments[0] === MARKER_FILE)) {
    refuse('uses a name mr-init reserves in the destination');
  }
  return segments.join('/');
}

/**
 * Throws ErrUnsafePath when a folder on the way to `rel` inside `dest` is a symlink (writing through it
 * could land outside the destination). Missing folders are fine: they will be created as real ones.
 */
export async function assertNoSymlinkOnPath(dest: string, rel: string, checked?: Set<string>): Promise<void> {
  const parts = rel.split('/');
  let current = '';
  for (const part of parts.slice(0, -1)) {
    current = current ? `${current}/${part}` : part;
    if (checked?.has(current)) continue;
    let stat;
    try {
      stat = await lstat(join(dest, current));
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) {
      throw new ErrUnsafePath(`${quotePath(rel)} would be written through the symlink ${quotePath(current)} in ${dest}`);
    }
    checked?.add(current);
  }
}
