/**
 * Unpacks a zip with yauzl (random access through the central directory, zip64, bounded memory).
 * yauzl checks sizes but not CRC-32, so each entry's CRC is computed while it is written. Entry names
 * are checked here (so an unsafe one is ErrUnsafePath, not a generic yauzl error), links and special
 * files are skipped, and every folder on the way is created by us and never followed through a link.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { ErrArchive, ErrUnsafePath } from '../../errors.js';
import { safeEntryPath, toArchiveError } from './entry-path.js';
import type { ArchiveTally } from './limits.js';

/** The parts of yauzl 3 used here (@types/yauzl describes 2.x and lacks the raw-name API). */
interface ZipEntry {
  versionMadeBy: number;
  generalPurposeBitFlag: number;
  crc32: number;
  uncompressedSize: number;
  externalFileAttributes: number;
  fileNameRaw: Buffer;
  extraFields: { id: number; data: Buffer }[];
}
interface ZipFile {
  entryCount: number;
  readEntry(): void;
  openReadStream(entry: ZipEntry, callback: (error: Error | null, stream: Readable) => void): void;
  close(): void;
  on(event: 'entry', listener: (entry: ZipEntry) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface Yauzl {
  open(path: string, options: Record<string, unknown>, callback: (error: Error | null, zip: ZipFile) => void): void;
  getFileNameLowLevel(flags: number, raw: Buffer, extraFields: ZipEntry['extraFields'], strict: boolean): string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const UNICODE_PATH = 0x7075;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Unpacks the zip at `archivePath` into `destDir`. */
export async function unpackZip(archivePath: string, destDir: string, tally: ArchiveTally): Promise<void> {
  const yauzl = (await import('yauzl')).default as unknown as Yauzl;
  const name = tally.archiveName;
  let zip: ZipFile;
  try {
    zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(
        archivePath,
        // decodeStrings off: names are decoded and checked below, so an unsafe one is reported as such.
        { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false },
        (error, file) => (error ? reject(error) : resolve(file)),
      ),
    );
  } catch (error) {
    throw toArchiveError(error, name);
  }
  try {
    if (zip.entryCount > tally.maxEntries) throw tally.tooManyEntries();
    const folders = new SafeFolders(await realpath(destDir), name);
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      tally.countEntry();
      const raw = entryName(yauzl, entry);
      const rel = safeEntryPath(raw, name);
      if (rel === '') continue;
      const unixMode = entry.versionMadeBy >>> 8 === MADE_BY_UNIX ? entry.externalFileAttributes >>> 16 : 0;
      const type = unixMode & S_IFMT;
      if (raw.endsWith('/') || type === S_IFDIR) {
        await folders.ensure(rel);
        continue;
      }
      if (type !== 0 && type !== S_IFREG) {
        tally.skip(rel, type === S_IFLNK ? 'symbolic link' : 'special file');
        continue;
      }
      if (entry.generalPurposeBitFlag & FLAG_ENCRYPTED) {
        throw new ErrArchive(`${name} has an encrypted entry ${JSON.stringify(rel)}, which mr-init cannot decrypt`);
      }
      tally.countFile(entry.uncompressedSize);
      const slash = rel.lastIndexOf('/');
      const parent = slash < 0 ? folders.root : await folders.ensure(rel.slice(0, slash));
      const mode = unixMode & 0o111 ? 0o755 : 0o644;
      await writeEntry(zip, entry, join(parent, rel.slice(slash + 1)), mode, rel, name);
    }
  } catch (error) {
    throw toArchiveError(error, name);
  } finally {
    zip.close();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The entry's name with '/' separators. Without the UTF-8 flag or a Unicode-path field, the zip spec
 * says CP437, but Info-ZIP's `zip` on Linux and macOS stores the raw UTF-8 bytes unflagged; like
 * `unzip` there, a name that is valid UTF-8 is read as UTF-8 (CP437 text is almost never valid UTF-8).
 */
function entryName(yauzl: Yauzl, entry: ZipEntry): string {
  const flagged = (entry.generalPurposeBitFlag & FLAG_UTF8) !== 0 || entry.extraFields.some((f) => f.id === UNICODE_PATH);
  if (!flagged && entry.fileNameRaw.some((b) => b >= 0x80)) {
    try {
      return utf8.decode(entry.fileNameRaw).replace(/\\/g, '/');
    } catch {
      // not UTF-8: CP437 after all
    }
  }
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
}

/** The next entry, or undefined at the end; yauzl's errors (bad headers, truncation) reject. */
function nextEntry(zip: ZipFile): Promise<ZipEntry | undefined> {
  return new Promise((resolve, reject) => {
    const z = zip as unknown as NodeJS.EventEmitter;
    const done = (): void => {
      z.off('entry', onEntry);
      z.off('end', onEnd);
      z.off('error', onError);
    };
    const onEntry = (entry: ZipEntry): void => (done(), resolve(entry));
    const onEnd = (): void => (done(), resolve(undefined));
    const onError = (error: Error): void => (done(), reject(error));
    z.on('entry', onEntry);
    z.on('end', onEnd);
    z.on('error', onError);
    zip.readEntry();
  });
}

type Crc32 = (data: Uint8Array, value?: number) => number;
let crc32Impl: Crc32 | undefined;

/** zlib.crc32 exists from Node 20.15; on older 20.x fall back to @node-rs/crc32 (same CRC-32, native). */
async function loadCrc32(): Promise<Crc32> {
  crc32Impl ??= (zlib as { crc32?: Crc32 }).crc32 ?? (await import('@node-rs/crc32')).crc32;
  return crc32Impl;
}

async function writeEntry(zip: ZipFile, entry: ZipEntry, target: string, mode: number, rel: string, name: string) {
  const crc32 = await loadCrc32();
  // O_NOFOLLOW: a link already sitting at the target is never written through.
  const output = (await open(target, WRITE_FLAGS, mode)).createWriteStream();
  let crc = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
  });
  try {
    await new Promise<void>((resolve, reject) =>
      zip.openReadStream(entry, (error, input) => {
        if (error) return reject(error);
        // Attach at once: yauzl reports inflate errors on the stream a tick later, and an unheard
        // 'error' would crash the process.
        pipeline(input, check, output).then(resolve, reject);
      }),
    );
  } catch (error) {
    output.destroy();
    throw error;
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) {
    await unlink(target).catch(() => undefined);
    throw new ErrArchive(`${name}: entry ${JSON.stringify(rel)} fails its CRC-32 check; the archive is corrupt`);
  }
}

/** Creates folders one level at a time below `root`, refusing any that is (or resolves through) a link. */
class SafeFolders {
  private readonly known = new Set<string>();
  private readonly inside: string;

  constructor(readonly root: string, private readonly archiveName: string) {
    this.inside = root.endsWith(sep) ? root : root + sep;
  }

  /** The absolute path of folder `rel` (no '..', already checked), created if missing. */
  async ensure(rel: string): Promise<string> {
    let current = this.root;
    for (const segment of rel.split('/')) {
      current = join(current, segment);
      if (this.known.has(current)) continue;
      const stat = await lstat(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!stat) {
        await mkdir(current);
      } else if (stat.isSymbolicLink()) {
        throw new ErrUnsafePath(`${this.archiveName}: ${current} is a symbolic link; refusing to unpack through it`);
      } else if (!stat.isDirectory()) {
        throw new ErrArchive(`${this.archiveName}: ${JSON.stringify(rel)} needs ${current} to be a folder, but it is a file`);
      }
      if (!(await realpath(current)).startsWith(this.inside)) {
        throw new ErrUnsafePath(`${this.archiveName}: ${current} resolves outside the destination`);
      }
      this.known.add(current);
    }
    return current;
  }
}
