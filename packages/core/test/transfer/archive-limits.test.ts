import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ErrArchive } from '../../src/errors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, unpackArchive } from '../../src/transfer/archive/index.js';
import { buildTar, buildZip } from '../support/archive-fixtures.js';

let work: string;
let counter = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mr-init-archive-limits-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function place(name: string, data: Buffer): { file: string; dest: string } {
  const base = join(work, `case-${++counter}`);
  const file = join(base, name);
  execFileSync('mkdir', ['-p', base]);
  writeFileSync(file, data);
  return { file, dest: join(base, 'dest') };
}

const kb = (n: number, seed = 1): Buffer => Buffer.alloc(n * 1000, seed);
const threeFiles = () => buildTar([
  { path: 'm', type: 'Directory', mode: 0o755 },
  { path: 'm/a.bin', data: kb(1, 1) },
  { path: 'm/b.bin', data: kb(1, 2) },
  { path: 'm/c.bin', data: kb(1, 3) },
]);
const threeZip = () => buildZip([
  { name: 'm/' },
  { name: 'm/a.bin', data: kb(1, 1), method: 'deflate' },
  { name: 'm/b.bin', data: kb(1, 2) },
  { name: 'm/c.bin', data: kb(1, 3), method: 'deflate' },
]);
const bzip2 = (data: Buffer): Buffer => execFileSync('bzip2', ['-c'], { input: data });
const xz = (data: Buffer): Buffer => execFileSync('xz', ['-c'], { input: data });
const flip = (data: Buffer, at: number): Buffer => {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
};

describe('unpackArchive limits', () => {
  test('unpackArchive | the documented defaults are 256 GiB and one million entries', () => {
    expect(DEFAULT_MAX_BYTES).toBe(256 * 2 ** 30);
    expect(DEFAULT_MAX_ENTRIES).toBe(1_000_000);
  });

  test.each([
    ['tar', threeFiles],
    ['zip', threeZip],
  ])('unpackArchive | %s over the byte limit fails with ErrArchive; exactly at it succeeds', async (ext, build) => {
    const over = place(`a.${ext}`, build());
    const unpacking = unpackArchive(over.file, over.dest, { maxBytes: 2999 });
    await expect(unpacking).rejects.toBeInstanceOf(ErrArchive);
    await expect(unpacking).rejects.toThrow(/more than 2999 bytes/);
    expect(existsSync(join(over.dest, 'm/c.bin'))).toBe(false);
    const at = place(`a.${ext}`, build());
    expect(await unpackArchive(at.file, at.dest, { maxBytes: 3000 })).toEqual({ files: 3, bytes: 3000, skipped: 0 });
  });

  test.each([
    ['tar', threeFiles],
    ['zip', threeZip],
  ])('unpackArchive | %s over the entry limit fails with ErrArchive; exactly at it succeeds', async (ext, build) => {
    const over = place(`a.${ext}`, build());
    await expect(unpackArchive(over.file, over.dest, { maxEntries: 3 })).rejects.toThrow(/more than 3 entries/);
    const at = place(`a.${ext}`, build());
    expect((await unpackArchive(at.file, at.dest, { maxEntries: 4 })).files).toBe(3);
  });

  test.each([
    ['tar.gz', (t: Buffer) => gzipSync(t)],
    ['tar.bz2', bzip2],
    ['tar.xz', xz],
  ])('unpackArchive | a small %s that inflates past the byte limit stops before writing it', async (ext, compress) => {
    const bomb = buildTar([{ path: 'zeros.bin', data: Buffer.alloc(4 * 1024 * 1024) }]);
    const c = place(`bomb.${ext}`, compress(bomb));
    const unpacking = unpackArchive(c.file, c.dest, { maxBytes: 1024 * 1024 });
    await expect(unpacking).rejects.toBeInstanceOf(ErrArchive);
    await expect(unpacking).rejects.toThrow(/more than 1048576 bytes/);
    expect(existsSync(join(c.dest, 'zeros.bin'))).toBe(false);
  });
});

describe('unpackArchive corrupt input', () => {
  const tarball = buildTar([{ path: 'a.bin', data: randomBytes(40_000) }, { path: 'b.bin', data: randomBytes(20_000) }]);

  test.each([
    ['an empty .tar', 'a.tar', Buffer.alloc(0)],
    ['garbage named .tar', 'a.tar', randomBytes(4096)],
    ['a tar cut in the middle of a file', 'a.tar', tarball.subarray(0, 30_000)],
    ['a tar with a broken header checksum', 'a.tar', flip(tarball, 10)],
    ['a tar.gz cut short', 'a.tar.gz', gzipSync(tarball).subarray(0, 30_000)],
    ['a tar.gz with a flipped byte', 'a.tar.gz', flip(gzipSync(tarball), 20_000)],
    ['a tar.bz2 cut short', 'a.tar.bz2', bzip2(tarball).subarray(0, 30_000)],
    ['a tar.bz2 with a flipped byte', 'a.tar.bz2', flip(bzip2(tarball), 20_000)],
    ['a tar.xz cut short', 'a.tar.xz', xz(tarball).subarray(0, 30_000)],
    ['a tar.xz with a flipped byte', 'a.tar.xz', flip(xz(tarball), 20_000)],
    ['a zip cut in half', 'a.zip', buildZip([{ name: 'a.bin', data: randomBytes(40_000) }]).subarray(0, 20_000)],
    ['a zip missing its last byte', 'a.zip', (() => { const z = buildZip([{ name: 'a', data: kb(1) }]); return z.subarray(0, z.length - 1); })()],
  ])('unpackArchive | %s fails with ErrArchive', async (_what, name, data) => {
    const c = place(name, data);
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrArchive);
  });

  test.each(['cut short', 'with a flipped byte'])(
    'unpackArchive | a tar.bz2 %s fails with ErrArchive through the JavaScript decoder too',
    async (what) => {
      const compressed = bzip2(tarball);
      const c = place('a.tar.bz2', what === 'cut short' ? compressed.subarray(0, 30_000) : flip(compressed, 20_000));
      await expect(unpackArchive(c.file, c.dest, { externalBzip2: false })).rejects.toBeInstanceOf(ErrArchive);
    },
  );

  test.each([true, false])('unpackArchive | a truncated tar.bz2 says it is not valid bzip2 (bzip2 program: %s)', async (external) => {
    const c = place('a.tar.bz2', bzip2(tarball).subarray(0, 30_000));
    await expect(unpackArchive(c.file, c.dest, { externalBzip2: external })).rejects.toThrow(/not a valid bzip2 stream/);
  });

  test('unpackArchive | a zip entry whose CRC-32 does not match fails with ErrArchive and is removed', async () => {
    const data = randomBytes(5000);
    for (const method of ['store', 'deflate'] as const) {
      const c = place('a.zip', buildZip([{ name: 'good.bin', data }, { name: 'bad.bin', data, method, crc: 0x12345678 }]));
      await expect(unpackArchive(c.file, c.dest)).rejects.toThrow(/CRC-32/);
      await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrArchive);
      expect(readdirSync(c.dest)).toEqual(['good.bin']);
    }
  });

  test('unpackArchive | a zip with corrupted deflate data fails with ErrArchive', async () => {
    const zip = buildZip([{ name: 'a.txt', data: Buffer.from('hello '.repeat(5000)), method: 'deflate' }]);
    const c = place('a.zip', flip(flip(zip, 40), 60));
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrArchive);
  });

  test('unpackArchive | an encrypted zip entry fails with ErrArchive', async () => {
    const c = place('a.zip', buildZip([{ name: 'secret.bin', data: kb(1), encrypted: true }]));
    await expect(unpackArchive(c.file, c.dest)).rejects.toThrow(/encrypted/);
  });

  test('unpackArchive | a missing archive file fails with ErrArchive', async () => {
    await expect(unpackArchive(join(work, 'nope.tar'), join(work, 'nope'))).rejects.toBeInstanceOf(ErrArchive);
  });
});
