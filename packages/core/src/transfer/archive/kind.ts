/** Recognising archives: by file name and Content-Type (what KServe does), and by magic bytes when unpacking. */
import { open } from 'node:fs/promises';

/** The archive formats mr-init unpacks. */
export type ArchiveKind = 'tar' | 'tar.gz' | 'tar.bz2' | 'tar.xz' | 'zip';

const BY_SUFFIX: [suffix: string, kind: ArchiveKind][] = [
  ['.tar.gz', 'tar.gz'],
  ['.tgz', 'tar.gz'],
  ['.tar.bz2', 'tar.bz2'],
  ['.tbz2', 'tar.bz2'],
  ['.tbz', 'tar.bz2'],
  ['.tar.xz', 'tar.xz'],
  ['.txz', 'tar.xz'],
  ['.tar', 'tar'],
  ['.zip', 'zip'],
];

/** Content types that say "this is a tar or zip" whatever the name. */
const BY_TYPE: Record<string, ArchiveKind> = {
  'application/x-tar': 'tar',
  'application/tar': 'tar',
  'application/x-gtar': 'tar',
  'application/x-compressed-tar': 'tar.gz',
  'application/x-tgz': 'tar.gz',
  'application/x-bzip-compressed-tar': 'tar.bz2',
  'application/x-bzip2-compressed-tar': 'tar.bz2',
  'application/x-xz-compressed-tar': 'tar.xz',
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/x-zip': 'zip',
  'application/zip-compressed': 'zip',
};

/**
 * Generic compression types: only a tar when the name says so too (`model.tar.gz.1`, `weights.tar`).
 * A plain `model.gz` is one compressed file, not an archive, and is left as downloaded.
 */
const COMPRESSED_TYPES: Record<string, ArchiveKind> = {
  'application/gzip': 'tar.gz',
  'application/x-gzip': 'tar.gz',
  'application/x-bzip2': 'tar.bz2',
  'application/x-bzip': 'tar.bz2',
  'application/x-xz': 'tar.xz',
};

/**
 * The archive kind of a downloaded file, from its name (case-insensitive suffix) or its Content-Type;
 * undefined when it is not an archive mr-init unpacks.
 */
export function archiveKind(fileName: string, contentType?: string): ArchiveKind | undefined {
  const name = fileName.toLowerCase();
  for (const [suffix, kind] of BY_SUFFIX) {
    if (name.endsWith(suffix) && name.length > suffix.length) return kind;
  }
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type) return undefined;
  const direct = BY_TYPE[type];
  if (direct) return direct;
  const compressed = COMPRESSED_TYPES[type];
  if (compressed && /\.(tar|tgz|tbz2?|txz)(\.|$)/.test(name)) return compressed;
  return undefined;
}

/** Reads the first bytes of a file and names its format from the magic numbers, if it has known ones. */
export async function sniffArchiveKind(filePath: string): Promise<ArchiveKind | undefined> {
  const handle = await open(filePath, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return kindFromMagic(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Names the format from the leading bytes: gzip, bzip2, xz, zip, or a ustar/GNU tar header. */
export function kindFromMagic(head: Buffer): ArchiveKind | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) {
    return 'tar.bz2';
  }
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    return 'tar.xz';
  }
  // A local file header, or the end-of-central-directory record of an empty zip.
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) {
    return 'zip';
  }
  if (head.length >= 263 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return undefined;
}
