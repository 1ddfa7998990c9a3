/**
 * KServe parity: a single downloaded .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz or .zip is unpacked into the
 * destination, safely. Nothing is ever written outside `destDir`: unsafe names fail with ErrUnsafePath,
 * links and special files are skipped, setuid/setgid/sticky bits are dropped, and entry and byte limits
 * stop archive bombs. Corrupt or truncated input fails with ErrArchive; full or read-only disks with
 * ErrDestination.
 */
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { ErrDestination } from '../../errors.js';
import { openTarSource } from './decompress.js';
import { toArchiveError } from './entry-path.js';
import { archiveKind, sniffArchiveKind, type ArchiveKind } from './kind.js';
import { ArchiveTally, type UnpackArchiveOptions, type UnpackResult } from './limits.js';
import { unpackTar } from './tar.js';
import { unpackZip } from './zip.js';

export { archiveKind, kindFromMagic, sniffArchiveKind, type ArchiveKind } from './kind.js';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  type UnpackArchiveOptions,
  type UnpackResult,
} from './limits.js';

/**
 * Unpacks the archive at `archivePath` into `destDir` (created if missing), streaming with bounded
 * memory. The format comes from the file's magic bytes, else `options.kind`, else the file name.
 */
export async function unpackArchive(
  archivePath: string,
  destDir: string,
  options: UnpackArchiveOptions = {},
): Promise<UnpackResult> {
  const name = basename(archivePath);
  const tally = new ArchiveTally(name, options);
  let kind: ArchiveKind;
  try {
    kind = (await sniffArchiveKind(archivePath)) ?? options.kind ?? archiveKind(name) ?? 'tar';
  } catch (error) {
    throw toArchiveError(error, name);
  }
  try {
    await mkdir(destDir, { recursive: true });
  } catch (error) {
    throw new ErrDestination(`cannot create ${destDir} to unpack ${name}: ${(error as Error).message}`, { cause: error });
  }
  tally.logger.debug('unpacking archive', { archive: name, kind });
  if (kind === 'zip') {
    await unpackZip(archivePath, destDir, tally);
  } else {
    await unpackTar(() => openTarSource(archivePath, kind, name, options.externalBzip2 ?? true), destDir, tally);
  }
  return tally.finish();
}
