/** Entry-name safety and error mapping shared by the tar and zip unpackers. */
import { ErrArchive, ErrDestination, ErrUnsafePath, isMrInitError, type MrInitError } from '../../errors.js';

/**
 * The entry's path, normalised ('.' and empty segments dropped, no trailing '/'), or '' for the root
 * folder itself. Throws ErrUnsafePath for an absolute path, a drive letter, a '..' segment or a NUL.
 * Backslashes are not separators here (zip callers convert them first, as yauzl does).
 */
export function safeEntryPath(raw: string, archiveName: string): string {
  const unsafe = (why: string): ErrUnsafePath =>
    new ErrUnsafePath(`${archiveName} has an entry ${JSON.stringify(raw)} that ${why}; nothing was written outside the destination`);
  if (raw.includes('\u0000')) throw unsafe('contains a NUL character');
  if (raw.startsWith('/')) throw unsafe('is an absolute path');
  if (/^[a-zA-Z]:/.test(raw)) throw unsafe('starts with a drive letter');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafe('climbs out with ".."');
  return segments.join('/');
}

/** errno codes that mean the destination is the problem (space, permissions), not the archive. */
const DESTINATION_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EMFILE', 'ENFILE']);

/** Maps anything thrown while unpacking to an MrInitError; our own errors pass through unchanged. */
export function toArchiveError(error: unknown, archiveName: string): MrInitError {
  if (isMrInitError(error)) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && DESTINATION_CODES.has(code)) {
    return new ErrDestination(`cannot write ${archiveName}'s contents: ${message}`, { cause: error });
  }
  if (code === 'ELOOP' || code === 'TAR_SYMLINK_ERROR') {
    return new ErrUnsafePath(`${archiveName} would be written through a symbolic link: ${message}`, { cause: error });
  }
  return new ErrArchive(`cannot unpack ${archiveName}: ${message}`, { cause: error });
}
