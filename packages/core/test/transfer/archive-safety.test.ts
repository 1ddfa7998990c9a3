import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrUnsafePath } from '../../src/errors.js';
import { unpackArchive } from '../../src/transfer/archive/index.js';
import { buildTar, buildZip, type TarSpec, type ZipSpec } from '../support/archive-fixtures.js';

let work: string;
let counter = 0;
const umask = process.umask();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mr-init-archive-safety-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh case folder: `base/outside/secret.txt`, an empty `base/dest`, and the archive in `base`. */
function setup(archive: Buffer, ext: 'tar' | 'zip') {
  const base = join(work, `case-${++counter}`);
  const dest = join(base, 'dest');
  const outside = join(base, 'outside');
  mkdirSync(dest, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  const file = join(base, `a.${ext}`);
  writeFileSync(file, archive);
  return { base, dest, outside, file };
}

/** Everything below `base` except the destination: must stay exactly as set up. */
function outsideListing(base: string): string[] {
  return (readdirSync(base, { recursive: true }) as string[]).filter((p) => p !== 'dest' && !p.startsWith('dest/')).sort();
}
const UNTOUCHED = ['a.tar', 'outside', 'outside/secret.txt'];
const UNTOUCHED_ZIP = ['a.zip', 'outside', 'outside/secret.txt'];

const file = (path: string, text = 'x', extra: Partial<TarSpec> = {}): TarSpec => ({ path, data: Buffer.from(text), ...extra });

describe('unpackArchive refuses tar escapes', () => {
  test.each([
    ['a parent-relative entry', '../evil.txt'],
    ['an entry climbing through a folder', 'a/../../evil.txt'],
    ['a deeply climbing entry', 'sub/../../../../../../../tmp/evil.txt'],
  ])('unpackArchive | tar with %s fails with ErrUnsafePath and writes nothing outside', async (_what, path) => {
    const c = setup(buildTar([file('ok.txt'), file(path)]), 'tar');
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED);
  });

  test('unpackArchive | tar with an absolute entry fails with ErrUnsafePath, neither there nor stripped', async () => {
    const target = join(work, 'abs-evil.txt');
    const c = setup(buildTar([file(target)]), 'tar');
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(c.dest)).toEqual([]);
  });

  test('unpackArchive | tar symlinks (relative and absolute) are skipped, so a later file cannot follow them', async () => {
    const c = setup(Buffer.alloc(0), 'tar');
    writeFileSync(c.file, buildTar([
      { path: 'link', type: 'SymbolicLink', linkpath: '../outside' },
      { path: 'abs', type: 'SymbolicLink', linkpath: c.outside },
      file('link/evil.txt', 'evil'),
      file('abs/evil.txt', 'evil'),
    ]));
    const result = await unpackArchive(c.file, c.dest);
    expect(result).toEqual({ files: 2, bytes: 8, skipped: 2 });
    expect(lstatSync(join(c.dest, 'link')).isDirectory()).toBe(true);
    expect(lstatSync(join(c.dest, 'abs')).isDirectory()).toBe(true);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED);
  });

  test('unpackArchive | tar hard links out are skipped and the target is untouched', async () => {
    const c = setup(Buffer.alloc(0), 'tar');
    writeFileSync(c.file, buildTar([
      { path: 'hl', type: 'Link', linkpath: '../outside/secret.txt' },
      { path: 'hl-abs', type: 'Link', linkpath: join(c.outside, 'secret.txt') },
      file('hl', 'overwritten'),
    ]));
    const result = await unpackArchive(c.file, c.dest);
    expect(result.skipped).toBe(2);
    expect(readFileSync(join(c.outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(readFileSync(join(c.dest, 'hl'), 'utf8')).toBe('overwritten');
    expect(statSync(join(c.dest, 'hl')).nlink).toBe(1);
    expect(existsSync(join(c.dest, 'hl-abs'))).toBe(false);
  });

  test('unpackArchive | tar devices and FIFOs are skipped and logged', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${String(f?.['entry'])}`) };
    const c = setup(buildTar([
      { path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3 },
      { path: 'disk', type: 'BlockDevice', devmaj: 8, devmin: 0 },
      { path: 'pipe', type: 'FIFO' },
      file('ok.txt'),
    ]), 'tar');
    const result = await unpackArchive(c.file, c.dest, { logger });
    expect(result).toEqual({ files: 1, bytes: 1, skipped: 3 });
    expect(readdirSync(c.dest)).toEqual(['ok.txt']);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/character device.* null$/);
  });

  test('unpackArchive | many skipped entries log ten lines and one total', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m) };
    const links = Array.from({ length: 25 }, (_, i) => ({ path: `l${i}`, type: 'SymbolicLink' as const, linkpath: 'x' }));
    const c = setup(buildTar([...links, file('x')]), 'tar');
    expect((await unpackArchive(c.file, c.dest, { logger })).skipped).toBe(25);
    expect(warnings).toHaveLength(11);
    expect(warnings[10]).toMatch(/skipped 25/);
  });

  test('unpackArchive | tar setuid, setgid and sticky bits are masked', async () => {
    const c = setup(buildTar([
      { path: 'sgid-dir', type: 'Directory', mode: 0o2775 },
      { path: 'sticky-dir', type: 'Directory', mode: 0o1777 },
      file('sgid-dir/suid.sh', '#!/bin/sh\n', { mode: 0o4755 }),
      file('both', 'x', { mode: 0o6777 }),
    ]), 'tar');
    await unpackArchive(c.file, c.dest);
    for (const p of ['sgid-dir', 'sticky-dir', 'sgid-dir/suid.sh', 'both']) {
      expect(statSync(join(c.dest, p)).mode & 0o7000).toBe(0);
    }
    expect(statSync(join(c.dest, 'sgid-dir/suid.sh')).mode & 0o777).toBe(0o755 & ~umask);
  });

  test('unpackArchive | tar does not write through a symlink already in the destination', async () => {
    const c = setup(buildTar([file('escape/evil.txt', 'evil')]), 'tar');
    symlinkSync(c.outside, join(c.dest, 'escape'));
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED);
  });

  test('unpackArchive | a tar entry for the destination itself does not change it', async () => {
    const c = setup(buildTar([{ path: './', type: 'Directory', mode: 0o777 }, file('./a.txt')]), 'tar');
    const before = statSync(c.dest).mode;
    await unpackArchive(c.file, c.dest);
    expect(statSync(c.dest).mode).toBe(before);
    expect(readdirSync(c.dest)).toEqual(['a.txt']);
  });
});

describe('unpackArchive refuses zip escapes', () => {
  const data = Buffer.from('evil');
  test.each([
    ['zip-slip', '../evil.txt'],
    ['a climbing folder', 'a/../../evil.txt'],
    ['an absolute name', '/evil.txt'],
    ['a backslash zip-slip', '..\\evil.txt'],
    ['a drive letter', 'C:/evil.txt'],
  ])('unpackArchive | zip with %s fails with ErrUnsafePath and writes nothing outside', async (_what, name) => {
    const c = setup(buildZip([{ name: 'ok.txt', data }, { name, data }]), 'zip');
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED_ZIP);
    expect(existsSync(join(work, 'evil.txt'))).toBe(false);
  });

  test('unpackArchive | zip symlink entries are skipped, so a later file cannot follow them', async () => {
    const entries: ZipSpec[] = [
      { name: 'link', data: Buffer.from('../outside'), unixMode: 0o120777 },
      { name: 'link/evil.txt', data },
      { name: 'fifo', unixMode: 0o010644 },
    ];
    const c = setup(buildZip(entries), 'zip');
    const result = await unpackArchive(c.file, c.dest);
    expect(result).toEqual({ files: 1, bytes: 4, skipped: 2 });
    expect(lstatSync(join(c.dest, 'link')).isDirectory()).toBe(true);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED_ZIP);
  });

  test('unpackArchive | zip does not write through a symlinked folder already in the destination', async () => {
    const c = setup(buildZip([{ name: 'escape/evil.txt', data }]), 'zip');
    symlinkSync(c.outside, join(c.dest, 'escape'));
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(outsideListing(c.base)).toEqual(UNTOUCHED_ZIP);
  });

  test('unpackArchive | zip does not write through a symlinked file already in the destination', async () => {
    const c = setup(buildZip([{ name: 'secret.txt', data }]), 'zip');
    symlinkSync(join(c.outside, 'secret.txt'), join(c.dest, 'secret.txt'));
    await expect(unpackArchive(c.file, c.dest)).rejects.toBeInstanceOf(ErrUnsafePath);
    expect(readFileSync(join(c.outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  test('unpackArchive | zip setuid and setgid bits are masked, the exec bit kept', async () => {
    const c = setup(buildZip([
      { name: 'suid.sh', data, unixMode: 0o104755 },
      { name: 'plain.txt', data, unixMode: 0o102644 },
      { name: 'dos.txt', data },
    ]), 'zip');
    await unpackArchive(c.file, c.dest);
    expect(statSync(join(c.dest, 'suid.sh')).mode & 0o7777).toBe(0o755 & ~umask);
    expect(statSync(join(c.dest, 'plain.txt')).mode & 0o7777).toBe(0o644 & ~umask);
    expect(statSync(join(c.dest, 'dos.txt')).mode & 0o7777).toBe(0o644 & ~umask);
  });
});
