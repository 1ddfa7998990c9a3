/**
 * Unpacks a tar stream with node-tar, which already refuses '..', links out and writing through
 * symlinks. On top of it: strict mode (its warnings become errors), files and folders only, no owner
 * from the archive, no setuid/setgid/sticky bits, and the entry and byte limits.
 */
import type { ReadEntry } from 'tar';
import { toArchiveError, safeEntryPath } from './entry-path.js';
import type { ArchiveTally } from './limits.js';
import type { TarSource } from './decompress.js';

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const DESCRIBE: Record<string, string> = {
  SymbolicLink: 'symbolic link',
  Link: 'hard link',
  CharacterDevice: 'character device',
  BlockDevice: 'block device',
  FIFO: 'FIFO',
};

/**
 * Streams the tar from `openSource` into `destDir`; resolves when every file is on disk and the producer
 * succeeded. The source is opened only once node-tar is loaded, so its listeners are attached before
 * any I/O can report an error.
 */
export async function unpackTar(openSource: () => Promise<TarSource>, destDir: string, tally: ArchiveTally): Promise<void> {
  const { Unpack } = await import('tar');
  const name = tally.archiveName;
  let source: TarSource;
  try {
    source = await openSource();
  } catch (error) {
    throw toArchiveError(error, name);
  }
  // Our own errors cannot travel through node-tar (it assigns `code` onto the error), so the first one
  // is kept here and node-tar is aborted with a plain one.
  let failure: unknown;

  const admit = (entry: ReadEntry): boolean => {
    tally.countEntry();
    const rel = safeEntryPath(entry.path, name);
    // The archive may not change the destination folder itself (its mode, its times).
    if (rel === '') return false;
    if (FILE_TYPES.has(entry.type)) {
      tally.countFile(entry.size);
    } else if (entry.type !== 'Directory') {
      const what = DESCRIBE[entry.type] ?? `entry of type ${entry.type}`;
      tally.skip(rel, entry.linkpath ? `${what} (to ${entry.linkpath})` : what);
      return false;
    }
    if (typeof entry.mode === 'number') entry.mode &= 0o777;
    return true;
  };

  const unpack = new Unpack({
    cwd: destDir,
    strict: true,
    preserveOwner: false,
    filter: (_path, entry) => {
      if (failure !== undefined) return false;
      try {
        return admit(entry as ReadEntry);
      } catch (error) {
        failure = error;
        unpack.abort(new Error('stopped by mr-init'));
        return false;
      }
    },
  });

  const unpacked = new Promise<void>((resolve, reject) => {
    // Stays attached: node-tar may emit more than one error, and an unheard 'error' would crash.
    unpack.on('error', (error: unknown) => reject(failure ?? error));
    unpack.on('close', () => (failure === undefined ? resolve() : reject(failure)));
    source.stream.on('error', (error: unknown) => reject(error));
    // A producer that closes without ending would otherwise leave node-tar waiting forever.
    source.stream.on('close', () => {
      if (!source.stream.readableEnded) reject(new Error('the archive stream closed before its end'));
    });
  });
  source.stream.pipe(unpack);

  try {
    await Promise.all([unpacked, source.done]);
  } catch (error) {
    // node-tar saw the end of a broken stream: the producer (bzip2) has its own, clearer reason.
    if (failure === undefined && source.stream.readableEnded) {
      const producerError = await source.done.then(() => undefined, (e: unknown) => e);
      if (producerError !== undefined) throw toArchiveError(producerError, name);
    }
    source.cancel();
    // Whichever failed second must not surface as an unhandled rejection.
    source.done.catch(() => undefined);
    unpacked.catch(() => undefined);
    throw toArchiveError(error, name);
  }
}
