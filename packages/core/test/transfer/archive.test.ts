import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { unpackArchive } from '../../src/transfer/archive/index.js';
import { buildZip, digestTree, readTree, sampleTree, writeTree, zipSpecsFor } from '../support/archive-fixtures.js';

// GNU tar, bzip2, xz and zip are the stock CLIs (present on this machine): the real-world producers.
let work: string;
let src: string;
const tree = sampleTree();
const archives: Record<string, string> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mr-init-archive-'));
  src = join(work, 'src');
  writeTree(src, tree);
  const top = ['config.json', 'weights', 'tökenizer', 'deep', 'empty.txt', 'bin'];
  // node-tar's writer (noMtime: under jest its pax encoder misses the other realm's Date objects),
  // and GNU tar for the rest.
  archives['tar'] = join(work, 'model.tar');
  await createTar({ cwd: src, file: archives['tar'], portable: true, noMtime: true }, top);
  archives['tar.gz'] = join(work, 'model.tar.gz');
  await createTar({ cwd: src, file: archives['tar.gz'], gzip: true, portable: true, noMtime: true }, top);
  archives['tgz'] = join(work, 'model.tgz');
  execFileSync('tar', ['-czf', archives['tgz'], ...top], { cwd: src });
  archives['tar.bz2'] = join(work, 'model.tar.bz2');
  execFileSync('tar', ['-cjf', archives['tar.bz2'], ...top], { cwd: src });
  archives['tar.xz'] = join(work, 'model.tar.xz');
  execFileSync('tar', ['-cJf', archives['tar.xz'], ...top], { cwd: src });
  archives['zip'] = join(work, 'model.zip');
  writeFileSync(archives['zip'], buildZip(zipSpecsFor(tree)));
  archives['zip-cli'] = join(work, 'model-cli.zip');
  execFileSync('zip', ['-q', '-r', archives['zip-cli'], ...top], { cwd: src });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const totalBytes = Object.values(tree).reduce((n, b) => n + b.length, 0);
const umask = process.umask();

describe('unpackArchive round trips', () => {
  test.each(['tar', 'tar.gz', 'tgz', 'tar.bz2', 'tar.xz', 'zip', 'zip-cli'])(
    'unpackArchive | %s round-trips byte-identically with nested folders and unicode names',
    async (kind) => {
      const dest = join(work, `out-${kind}`);
      const result = await unpackArchive(archives[kind]!, dest);
      expect(digestTree(readTree(dest))).toEqual(digestTree(tree));
      expect(result).toEqual({ files: Object.keys(tree).length, bytes: totalBytes, skipped: 0 });
      expect(statSync(join(dest, 'bin/run.sh')).mode & 0o777).toBe(0o755 & ~umask);
    },
  );

  test('unpackArchive | tar.bz2 through the JavaScript decoder matches the bzip2 program', async () => {
    const dest = join(work, 'out-bz2-js');
    const result = await unpackArchive(archives['tar.bz2']!, dest, { externalBzip2: false });
    expect(digestTree(readTree(dest))).toEqual(digestTree(tree));
    expect(result.files).toBe(Object.keys(tree).length);
  });

  test('unpackArchive | the format comes from the magic bytes, not the name', async () => {
    const misnamed = join(work, 'model.bin');
    writeFileSync(misnamed, readFileSync(archives['tar.xz']!));
    const dest = join(work, 'out-misnamed');
    await unpackArchive(misnamed, dest, { kind: 'zip' });
    expect(digestTree(readTree(dest))).toEqual(digestTree(tree));
  });

  test('unpackArchive | creates a missing destination and logs at debug level only', async () => {
    const dest = join(work, 'not', 'yet', 'there');
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(`debug ${m}`), info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
    await unpackArchive(archives['zip']!, dest, { logger });
    expect(digestTree(readTree(dest))).toEqual(digestTree(tree));
    expect(lines.every((l) => l.startsWith('debug '))).toBe(true);
    expect(lines.length).toBeGreaterThan(0);
  });
});
