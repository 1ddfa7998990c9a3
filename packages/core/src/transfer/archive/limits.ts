/** Options, limits and the running tally shared by the tar and zip unpackers. */
import { ErrArchive } from '../../errors.js';
import type { Logger } from '../../providers/contract.js';
import type { ArchiveKind } from './kind.js';

/** Default cap on the bytes of file content one archive may unpack to: 256 GiB (larger than any model seen). */
export const DEFAULT_MAX_BYTES = 256 * 1024 ** 3;
/** Default cap on the entries (files, folders, skipped links) one archive may hold: one million. */
export const DEFAULT_MAX_ENTRIES = 1_000_000;
/** Skipped entries logged one by one; after that only the total is logged. */
const SKIPS_LOGGED = 10;

/** How to unpack one archive. */
export interface UnpackArchiveOptions {
  /**
   * Most bytes of file content to write (the sum of the entries' declared sizes, checked before each
   * entry is written); beyond it the unpack fails with ErrArchive. Guards against archive bombs.
   * @default 256 GiB ({@link DEFAULT_MAX_BYTES})
   */
  maxBytes?: number;
  /**
   * Most entries to accept, counting folders and skipped links; beyond it the unpack fails with ErrArchive.
   * @default 1,000,000 ({@link DEFAULT_MAX_ENTRIES})
   */
  maxEntries?: number;
  /** Where skipped entries and a summary are logged. @default no logging */
  logger?: Logger;
  /**
   * Format to assume when the file's magic bytes do not tell (an old tar without a ustar header, a zip
   * with a prefix). The magic bytes win when they do tell.
   * @default archiveKind(file name), else 'tar'
   */
  kind?: ArchiveKind;
  /**
   * Decompress .tar.bz2 with the `bzip2` program when it is on PATH (about 5× faster than the
   * JavaScript decoder, which is used otherwise).
   * @default true
   */
  externalBzip2?: boolean;
}

/** What an unpack wrote. */
export interface UnpackResult {
  /** Regular files written. */
  files: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Entries left out: symbolic links, hard links, devices, FIFOs. */
  skipped: number;
}

const noLog: Logger = { debug() {}, info() {}, warn() {} };

/** Counts entries and bytes against the limits; throws ErrArchive the moment one is exceeded. */
export class ArchiveTally {
  files = 0;
  bytes = 0;
  entries = 0;
  skipped = 0;
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly logger: Logger;

  constructor(readonly archiveName: string, options: UnpackArchiveOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.logger = options.logger ?? noLog;
  }

  /** Call once per archive entry, before acting on it. */
  countEntry(): void {
    this.entries++;
    if (this.entries > this.maxEntries) throw this.tooManyEntries();
  }

  /** The error for an archive over the entry limit (zip knows its count up front). */
  tooManyEntries(): ErrArchive {
    return new ErrArchive(`${this.archiveName} has more than ${this.maxEntries} entries (the limit)`, {
      hint: 'Raise the archive entry limit if the archive is trusted, or repackage it.',
    });
  }

  /** Call before writing a regular file of `size` bytes. */
  countFile(size: number): void {
    if (this.bytes + size > this.maxBytes) {
      throw new ErrArchive(
        `${this.archiveName} unpacks to more than ${this.maxBytes} bytes (the limit); stopped before an entry of ${size} bytes`,
        { hint: 'Raise the archive size limit if the archive is trusted, or repackage it.' },
      );
    }
    this.files++;
    this.bytes += size;
  }

  /** Records an entry left out on purpose (a link or a special file), logging the first few. */
  skip(path: string, what: string): void {
    this.skipped++;
    if (this.skipped <= SKIPS_LOGGED) {
      this.logger.warn(`skipping ${what} in archive: only files and folders are unpacked`, {
        archive: this.archiveName,
        entry: path,
      });
    }
  }

  /** The result, after logging a summary. */
  finish(): UnpackResult {
    if (this.skipped > SKIPS_LOGGED) {
      this.logger.warn(`skipped ${this.skipped} links or special files in archive`, { archive: this.archiveName });
    }
    this.logger.debug('archive unpacked', { archive: this.archiveName, files: this.files, bytes: this.bytes });
    return { files: this.files, bytes: this.bytes, skipped: this.skipped };
  }
}
