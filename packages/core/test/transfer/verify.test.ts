import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChecksumAlgorithm } from '../../src/providers/contract.js';
import { MARKER_FILE, runTransfers } from '../../src/transfer/index.js';
import { createHashers, findMismatch } from '../../src/transfer/verify.js';
import { checksumOf, MemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, KiB, listTree, makeJob, MiB, rejectionOf, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

const ALGORITHMS: ChecksumAlgorithm[] = ['md5', 'crc32c', 'sha256', 'sha1', 'crc32'];

describe('transfer verify', () => {
  test('hashers | incremental digests match known values for every algorithm', () => {
    const known: Record<ChecksumAlgorithm, string> = {
      md5: '9e107d9d372bb6826bd81d3542a419d6',
      sha1: '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
      sha256: 'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      crc32: '414fa339',
      crc32c: '22620404',
    };
    const text = Buffer.from('The quick brown fox jumps over the lazy dog');
    const checksums = ALGORITHMS.map((algorithm) => ({ algorithm, value: known[algorithm] }));
    const hashers = createHashers(checksums);
    hashers.forEach((h) => { h.update(text.subarray(0, 10)); h.update(text.subarray(10)); });
    expect(findMismatch(hashers, checksums)).toBeUndefined();
    const other = createHashers(checksums);
    other.forEach((h) => h.update(Buffer.from('nope')));
    expect(findMismatch(other, checksums)?.algorithm).toBe('md5');
  });

  test.each([[100 * KiB], [1 * MiB + 3]])('checksums | every algorithm verifies a %d-byte file (stream and re-read paths)', async (size) => {
    const data = bytes(size, 21);
    const provider = new MemoryProvider().put('m/f.bin', data, { checksums: ALGORITHMS });
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext());
    expect((await readFile(join(dest, 'f.bin'))).equals(data)).toBe(true);
    const marker = JSON.parse(await readFile(join(dest, MARKER_FILE), 'utf8')) as { files: Array<{ checksums: unknown[] }> };
    expect(marker.files[0]!.checksums).toEqual(ALGORITHMS.map((a) => checksumOf(a, data)));
  });

  test.each([[100 * KiB], [1 * MiB]])('mismatch | one corrupt read (%d bytes) refetches the file and succeeds', async (size) => {
    const data = bytes(size, 22);
    const provider = new MemoryProvider().put('m/f.bin', data, { checksums: ['crc32c'] });
    provider.faults.push({ nth: 1, action: { type: 'corrupt' } });
    const dest = await tempDir();
    const [summary] = await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext());
    expect((await readFile(join(dest, 'f.bin'))).equals(data)).toBe(true);
    expect(summary!.bytesFetched).toBe(2 * data.length);
  });

  test.each([[100 * KiB], [1 * MiB]])('mismatch | wrong bytes twice (%d bytes): ErrChecksumMismatch, nothing visible in DEST', async (size) => {
    const data = bytes(size, 23);
    const provider = new MemoryProvider().put('m/f.bin', data, { checksums: ['md5'] }).put('m/ok.bin', bytes(1000, 2));
    provider.faults.push({ key: 'm/f.bin', action: { type: 'corrupt' } });
    const dest = await tempDir();
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext()));
    expect(error.code).toBe('ErrChecksumMismatch');
    expect(error.message).toContain('"f.bin"');
    expect(error.message).toContain('md5');
    expect((await listTree(dest)).filter((p) => !p.startsWith('.mr-init-staging/'))).toEqual([]);
    // the corrupt bytes are not kept for a rerun
    expect((await readFile(join(dest, '.mr-init-staging/data/f.bin'))).length).toBe(0);
  });

  test('mismatch | a wrong advertised checksum fails even though the bytes are intact', async () => {
    const data = bytes(10 * KiB, 24);
    const provider = new MemoryProvider().put('m/f.bin', data, { checksumValues: [{ algorithm: 'sha256', value: '00'.repeat(32) }] });
    const dest = await tempDir();
    expect((await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext()))).code)
      .toBe('ErrChecksumMismatch');
    expect(provider.stats.reads).toBe(2); // fetched, then refetched once
  });

  test('size | a body shorter than listed is never accepted', async () => {
    const provider = new MemoryProvider().put('m/f.bin', bytes(300 * KiB), { listedSize: 400 * KiB, checksums: [] });
    const dest = await tempDir();
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions({ retries: 1 }), silentContext()));
    expect(['ErrContentIncomplete', 'ErrStorageUnavailable']).toContain(error.code);
    expect(await listTree(dest)).not.toContain('f.bin');
  });
});
