import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTransfers } from '../../src/transfer/index.js';
import { splitParts } from '../../src/transfer/parts.js';
import { MemoryProvider, SinkMemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, KiB, makeJob, MiB, readTree, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

describe.each([['read()', MemoryProvider], ['readInto()', SinkMemoryProvider]])('transfer schedule via %s', (_via, Provider: typeof MemoryProvider) => {
  test('parts | a file splits into part-size ranges, the last one short', () => {
    expect(splitParts(1000, 256, true)).toEqual([{ start: 0, end: 256 }, { start: 256, end: 512 }, { start: 512, end: 768 }, { start: 768, end: 1000 }]);
    expect(splitParts(1000, 256, false)).toEqual([{ start: 0, end: 1000 }]);
    expect(splitParts(-1, 256, true)).toEqual([{ start: 0, end: undefined }]);
    expect(splitParts(0, 256, true)).toEqual([]);
  });

  test('parts | a multi-part file is byte-identical, fetched as ranged reads in parallel', async () => {
    const data = bytes(3 * MiB + 123, 7);
    const provider = new Provider().put('m/big.bin', data, { checksums: ['md5', 'crc32c', 'sha256'] });
    const dest = await tempDir();
    const [summary] = await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions({ connections: 4 }), silentContext());
    expect((await readFile(join(dest, 'big.bin'))).equals(data)).toBe(true);
    expect(provider.stats.reads).toBe(13); // ceil(3 MiB + 123 / 256 KiB)
    expect(provider.stats.maxInFlight).toBeGreaterThan(1);
    expect(provider.stats.maxInFlight).toBeLessThanOrEqual(4);
    expect(summary).toMatchObject({ files: 1, bytes: data.length, bytesFetched: data.length, upToDate: false });
  });

  test('buffers | chunks larger than the write buffer, or straddling it, land byte-exact and verified', async () => {
    // 64 KiB write buffers (memory budget), served in chunks of 150 KiB + 3: every chunk straddles a buffer
    // boundary and most are larger than a whole buffer, for ranged parts and for one unranged stream.
    for (const rangedRead of [true, false]) {
      const data = bytes(2 * MiB + 4321, rangedRead ? 11 : 12);
      const provider = new Provider({ chunkSize: 150 * KiB + 3, capabilities: { rangedRead } })
        .put('m/big.bin', data, { checksums: ['md5', 'crc32c'] });
      const dest = await tempDir();
      await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions({ connections: 3, memoryBudget: 64 * KiB }), silentContext());
      expect((await readFile(join(dest, 'big.bin'))).equals(data)).toBe(true);
      expect(provider.stats.reads).toBe(rangedRead ? 9 : 1);
      // Via readInto(), the sink must have made the provider wait for its writes.
      if (provider instanceof SinkMemoryProvider) expect(provider.sinkWaits).toBeGreaterThan(0);
    }
  });

  test('budget | reads in flight never exceed the connections, across many files and parts', async () => {
    const provider = new Provider();
    for (let i = 0; i < 12; i++) provider.put(`m/f${i}.bin`, bytes(100 * KiB + i * 50 * KiB, i));
    provider.put('m/large.bin', bytes(2 * MiB, 99));
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions({ connections: 3 }), silentContext());
    expect(provider.stats.maxInFlight).toBe(3);
    const tree = await readTree(dest);
    expect(tree['large.bin']!.equals(bytes(2 * MiB, 99))).toBe(true);
    for (let i = 0; i < 12; i++) expect(tree[`f${i}.bin`]!.equals(bytes(100 * KiB + i * 50 * KiB, i))).toBe(true);
  });

  test('budget | a provider\'s own limit caps its reads inside the shared budget', async () => {
    const provider = new Provider();
    for (let i = 0; i < 8; i++) provider.put(`m/f${i}.bin`, bytes(600 * KiB, i));
    const limited = Object.assign(provider, { limits: () => ({ maxConnections: 2 }) });
    const dest = await tempDir();
    await runTransfers([makeJob(limited, 'mem://b/m', dest)], testOptions({ connections: 8 }), silentContext());
    expect(provider.stats.maxInFlight).toBe(2);
    const tree = await readTree(dest);
    for (let i = 0; i < 8; i++) expect(tree[`f${i}.bin`]!.equals(bytes(600 * KiB, i))).toBe(true);
  });

  test('budget | the memory budget bounds reads in flight too (each holds one write batch)', async () => {
    const provider = new Provider().put('m/big.bin', bytes(2 * MiB, 3));
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions({ connections: 8, memoryBudget: 512 * KiB }), silentContext());
    expect(provider.stats.maxInFlight).toBe(2); // 512 KiB / 256 KiB per part
    expect((await readFile(join(dest, 'big.bin'))).equals(bytes(2 * MiB, 3))).toBe(true);
  });

  test('budget | several src/dest pairs share one connection budget', async () => {
    const provider = new Provider();
    for (let i = 0; i < 6; i++) {
      provider.put(`a/f${i}.bin`, bytes(300 * KiB, i));
      provider.put(`b/f${i}.bin`, bytes(300 * KiB, 10 + i));
    }
    const [destA, destB] = [await tempDir(), await tempDir()];
    const summaries = await runTransfers(
      [makeJob(provider, 'mem://x/a', destA), makeJob(provider, 'mem://x/b', destB)],
      testOptions({ connections: 3 }), silentContext());
    expect(provider.stats.maxInFlight).toBe(3);
    expect(summaries.map((s) => s.files)).toEqual([6, 6]);
    expect((await readTree(destB))['f5.bin']!.equals(bytes(300 * KiB, 15))).toBe(true);
    expect(provider.stats.closed).toBe(1); // one provider, closed once
  });

  test('budget | overlapping destinations are refused', async () => {
    const provider = new Provider().put('a/x', 'x');
    const dest = await tempDir();
    await expect(runTransfers([makeJob(provider, 'mem://x/a', dest), makeJob(provider, 'mem://x/a', join(dest, 'sub'))],
      testOptions(), silentContext())).rejects.toMatchObject({ code: 'ErrUsage' });
  });

  test('modes | an object of unknown size is one stream, no preallocation', async () => {
    const data = bytes(700 * KiB, 5);
    const provider = new Provider().put('m/stream.bin', data, { listedSize: -1 });
    const dest = await tempDir();
    const [summary] = await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext());
    expect((await readFile(join(dest, 'stream.bin'))).equals(data)).toBe(true);
    expect(provider.stats.reads).toBe(1);
    expect(summary!.bytes).toBe(data.length);
  });

  test('modes | a provider without ranged reads gets one stream per file', async () => {
    const data = bytes(900 * KiB, 6);
    const provider = new Provider({ capabilities: { rangedRead: false } }).put('m/one.bin', data);
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext());
    expect((await readFile(join(dest, 'one.bin'))).equals(data)).toBe(true);
    expect(provider.stats.reads).toBe(1);
  });

  test('options | invalid options are ErrConfig naming the option', async () => {
    const provider = new Provider().put('a/x', 'x');
    await expect(runTransfers([makeJob(provider, 'mem://x/a', await tempDir())], testOptions({ connections: 0 }), silentContext()))
      .rejects.toMatchObject({ code: 'ErrConfig', message: expect.stringContaining('connections') });
  });
});
