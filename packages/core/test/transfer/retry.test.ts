import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTransfers } from '../../src/transfer/index.js';
import { backoffDelay, isRetryable, toMrInitError } from '../../src/transfer/retry.js';
import { MemoryProvider, SinkMemoryProvider, providerError } from '../support/memory-provider.js';
import { bytes, cleanupTemp, KiB, listTree, makeJob, MiB, rejectionOf, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

async function fetchOne(provider: MemoryProvider, options = testOptions()): Promise<{ dest: string; data: Buffer }> {
  const dest = await tempDir();
  await runTransfers([makeJob(provider, 'mem://b/m', dest)], options, silentContext());
  return { dest, data: await readFile(join(dest, 'f.bin')) };
}

describe.each([['read()', MemoryProvider], ['readInto()', SinkMemoryProvider]])('transfer retry via %s', (_via, Provider: typeof MemoryProvider) => {
  test('classify | kinds, retryable flags and bare socket errors', () => {
    expect(isRetryable(providerError('Unavailable', 'x'))).toBe(true);
    expect(isRetryable(providerError('RateLimited', 'x'))).toBe(true);
    expect(isRetryable(providerError('NotFound', 'x'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { kind: 'Unexpected', retryable: true }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new Error('plain'))).toBe(false);
    expect(toMrInitError(providerError('PermissionDenied', 'no', { hint: 'set AWS_PROFILE' }), 'read of "a"').toLine())
      .toBe('ErrStorageAuth: read of "a" failed: no. set AWS_PROFILE');
    expect(toMrInitError(providerError('InvalidConfig', 'bad'), 'list').code).toBe('ErrConfig');
    expect(toMrInitError(new Error('weird'), 'list').code).toBe('ErrStorageUnavailable');
    for (let attempt = 1; attempt < 12; attempt++) {
      const delay = backoffDelay(attempt, 100, 2000);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(2000);
    }
    expect(backoffDelay(1, 100, 2000, 5000)).toBe(5000);
  });

  test('resume | a body cut mid-part resumes after the bytes already written', async () => {
    const data = bytes(1 * MiB, 11);
    const provider = new Provider().put('m/f.bin', data);
    provider.faults.push({ nth: 1, action: { type: 'cut', afterBytes: 200 * KiB } });
    provider.faults.push({ nth: 3, action: { type: 'cut', afterBytes: 100 * KiB, raw: true } });
    const { data: got } = await fetchOne(provider, testOptions({ partSize: 512 * KiB }));
    expect(got.equals(data)).toBe(true);
    expect(provider.stats.reads).toBe(4);
    expect(provider.stats.bytesServed).toBe(data.length); // not one byte fetched twice
  });

  test('resume | a short body (ended early) and transient kinds are retried; bytes served stay under 2x the size', async () => {
    const data = bytes(1 * MiB + 5, 12);
    const provider = new Provider().put('m/f.bin', data);
    provider.faults.push(
      { nth: 1, action: { type: 'cut', afterBytes: 100 * KiB, mode: 'end' } },
      { nth: 2, action: { type: 'fail', kind: 'RateLimited', retryAfterMs: 5 } },
      { nth: 4, action: { type: 'fail', kind: 'Unavailable' } },
      { nth: 6, action: { type: 'fail', kind: 'ContentIncomplete' } },
    );
    const { data: got } = await fetchOne(provider);
    expect(got.equals(data)).toBe(true);
    expect(provider.stats.bytesServed).toBeLessThan(2 * data.length);
  });

  test('stall | a body that stops moving is aborted and retried, not waited on forever', async () => {
    const data = bytes(600 * KiB, 13);
    const provider = new Provider().put('m/f.bin', data);
    provider.faults.push({ nth: 1, action: { type: 'stall', afterBytes: 64 * KiB } });
    provider.faults.push({ nth: 2, action: { type: 'hang' } });
    const { data: got } = await fetchOne(provider, testOptions({ stallTimeoutMs: 150 }));
    expect(got.equals(data)).toBe(true);
    expect(provider.stats.reads).toBe(5); // 3 parts + the stalled one + the hung one
    expect(provider.stats.inFlight).toBe(0); // the stalled stream was destroyed
  });

  test('version | an object that changes mid-download restarts that file with the new version', async () => {
    const before = bytes(1 * MiB, 14);
    const after = bytes(1 * MiB + 77, 15);
    const provider = new Provider().put('m/f.bin', before, { version: 'e1' });
    provider.faults.push({ nth: 3, action: { type: 'change', data: after, version: 'e2' } });
    const { dest, data: got } = await fetchOne(provider);
    expect(got.equals(after)).toBe(true);
    const marker = JSON.parse(await readFile(join(dest, '.mr-init-complete.json'), 'utf8')) as { objects: Array<{ version: string; size: number }> };
    expect(marker.objects[0]).toMatchObject({ version: 'e2', size: after.length });
  });

  test('version | an object that never stops changing fails with ErrStorageUnavailable', async () => {
    const provider = new Provider().put('m/f.bin', bytes(600 * KiB, 16), { version: 'e0' });
    for (let i = 1; i <= 6; i++) provider.faults.push({ nth: i * 2, action: { type: 'change', data: bytes(600 * KiB, 16 + i), version: `e${i}` } });
    const error = await rejectionOf(fetchOne(provider));
    expect(error.code).toBe('ErrStorageUnavailable');
    expect(error.message).toContain('kept changing');
  });

  test('ranges | a backend that ignores ranges is detected and the file is fetched as one stream', async () => {
    const data = bytes(1 * MiB, 17);
    const provider = new Provider().put('m/f.bin', data);
    provider.faults.push({ key: 'm/f.bin', nth: 2, action: { type: 'ignoreRange' } });
    const { data: got } = await fetchOne(provider);
    expect(got.equals(data)).toBe(true);
  });

  test.each([
    ['NotFound', 'ErrStorageNotFound'],
    ['PermissionDenied', 'ErrStorageAuth'],
    ['InvalidConfig', 'ErrConfig'],
    ['Unexpected', 'ErrStorageUnavailable'],
  ] as const)('errors | %s is not retried and maps to %s, naming the path', async (kind, code) => {
    const provider = new Provider().put('m/f.bin', bytes(10 * KiB));
    provider.faults.push({ action: { type: 'fail', kind, hint: 'do the thing' } });
    const dest = await tempDir();
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext()));
    expect(error.code).toBe(code);
    expect(error.message).toContain('"f.bin"');
    expect(error.hint).toBe('do the thing');
    expect(provider.stats.reads).toBe(1);
    expect((await listTree(dest)).filter((p) => !p.startsWith('.mr-init-staging'))).toEqual([]);
  });

  test('errors | retries run out: ErrStorageUnavailable, or ErrContentIncomplete for short bodies', async () => {
    const provider = new Provider().put('m/f.bin', bytes(10 * KiB));
    provider.faults.push({ action: { type: 'fail', kind: 'Unavailable' } });
    expect((await rejectionOf(fetchOne(provider))).code).toBe('ErrStorageUnavailable');
    expect(provider.stats.reads).toBe(4); // 1 + 3 retries
    const short = new Provider().put('m/f.bin', bytes(10 * KiB));
    short.faults.push({ action: { type: 'cut', afterBytes: 0, mode: 'end' } });
    expect((await rejectionOf(fetchOne(short))).code).toBe('ErrContentIncomplete');
  });

  test('list | a transient listing failure is retried, a denied one is not', async () => {
    const provider = new Provider().put('m/f.bin', bytes(10 * KiB));
    provider.listFailures.push(providerError('Unavailable', '503'), Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    const { data } = await fetchOne(provider);
    expect(data.equals(bytes(10 * KiB))).toBe(true);
    provider.listFailures.push(providerError('PermissionDenied', 'AccessDenied', { hint: 'check the key' }));
    const error = await rejectionOf(fetchOne(provider));
    expect(error.code).toBe('ErrStorageAuth');
    expect(error.message).toContain('listing mem://b/m');
  });
});
