import { appendFile, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MARKER_FILE, runTransfers, STAGING_DIR } from '../../src/transfer/index.js';
import { DoneLog, FileJournal, type JournalHeader } from '../../src/transfer/journal.js';
import { sourceKey } from '../../src/transfer/marker.js';
import { MemoryProvider, SinkMemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, KiB, listTree, makeJob, MiB, readTree, rejectionOf, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

function modelA(Provider: typeof MemoryProvider = MemoryProvider): MemoryProvider {
  return new Provider()
    .put('a/model.bin', bytes(2 * MiB, 31), { checksums: ['sha256'] })
    .put('a/sub/config.json', '{"a":1}')
    .put('a/tok.bin', bytes(300 * KiB, 32));
}

const visible = async (dest: string): Promise<string[]> => (await listTree(dest)).filter((p) => !p.startsWith(STAGING_DIR));
const OTHER_BOOT = '00000000-0000-0000-0000-000000000000';

describe.each([['read()', MemoryProvider], ['readInto()', SinkMemoryProvider]])('transfer resume and idempotency via %s', (_via, Provider: typeof MemoryProvider) => {
  test('abort | stopping mid-download leaves nothing visible; a rerun completes fetching less than the whole', async () => {
    const provider = modelA(Provider);
    const total = 2 * MiB + 7 + 300 * KiB;
    const dest = await tempDir();
    const stop = new AbortController();
    provider.onServe = (served) => { if (served >= 1 * MiB) stop.abort(new Error('SIGTERM')); };
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(),
      silentContext({ signal: stop.signal })));
    expect(error.code).toBe('ErrInterrupted');
    expect(await visible(dest)).toEqual([]);
    expect(provider.stats.inFlight).toBe(0);

    provider.onServe = undefined;
    provider.resetStats();
    const [summary] = await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    expect(provider.stats.bytesServed).toBeLessThan(total);
    expect(provider.stats.bytesServed).toBeGreaterThan(0);
    expect(summary!.bytesFetched).toBe(provider.stats.bytesServed);
    const tree = await readTree(dest);
    expect(tree['model.bin']!.equals(bytes(2 * MiB, 31))).toBe(true);
    expect(tree['tok.bin']!.equals(bytes(300 * KiB, 32))).toBe(true);
    expect(Object.keys(tree).sort()).toEqual([MARKER_FILE, 'model.bin', 'sub/config.json', 'tok.bin']);
  });

  test('reboot | staging written in another boot is not trusted: the download starts over', async () => {
    const provider = modelA(Provider);
    const dest = await tempDir();
    const stop = new AbortController();
    // Stop once the small files are verified and the big one is part-way.
    provider.onServe = (served) => { if (served >= 1 * MiB + 300 * KiB + 7) stop.abort(new Error('SIGTERM')); };
    await rejectionOf(runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions({ connections: 2 }), silentContext({ signal: stop.signal })));
    const statePath = join(dest, STAGING_DIR, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { bootId?: string };
    expect(state.bootId).toMatch(/^[0-9a-f-]{36}$/);
    const doneBefore = (await readFile(join(dest, STAGING_DIR, 'done.jsonl'), 'utf8')).trim().split('\n').length;
    expect(doneBefore).toBeGreaterThan(0);
    // Without the reboot the rerun would skip the verified files: a control for the assertion below.
    await writeFile(statePath, JSON.stringify({ ...state, bootId: OTHER_BOOT }));

    provider.onServe = undefined;
    provider.resetStats();
    const [summary] = await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    expect(provider.stats.bytesServed).toBe(2 * MiB + 300 * KiB + 7);
    expect(summary!.bytesFetched).toBe(provider.stats.bytesServed);
    expect((await readTree(dest))['model.bin']!.equals(bytes(2 * MiB, 31))).toBe(true);
  });

  test('reboot | a marker written in another boot makes the next run fetch DEST again', async () => {
    const provider = modelA(Provider);
    const dest = await tempDir();
    const job = makeJob(provider, 'mem://x/a', dest);
    await runTransfers([job], testOptions(), silentContext());
    const marker = JSON.parse(await readFile(join(dest, MARKER_FILE), 'utf8')) as { bootId?: string };
    expect(marker.bootId).toBe((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
    await writeFile(join(dest, MARKER_FILE), JSON.stringify({ ...marker, bootId: OTHER_BOOT }));

    provider.resetStats();
    const [summary] = await runTransfers([job], testOptions(), silentContext());
    expect(summary).toMatchObject({ upToDate: false, files: 3 });
    expect(provider.stats.reads).toBeGreaterThan(0);
    const again = JSON.parse(await readFile(join(dest, MARKER_FILE), 'utf8')) as { bootId?: string };
    expect(again.bootId).toBe(marker.bootId);
    provider.resetStats();
    expect((await runTransfers([job], testOptions(), silentContext()))[0]).toMatchObject({ upToDate: true });
  });

  test('idempotent | a second run on a complete DEST lists but reads no body', async () => {
    const provider = modelA(Provider);
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://x/a', dest, 'model-registry://iris/v1')], testOptions(), silentContext());
    provider.resetStats();
    const [summary] = await runTransfers([makeJob(provider, 'mem://x/a', dest, 'model-registry://iris/v1')], testOptions(), silentContext());
    expect(provider.stats.reads).toBe(0);
    expect(provider.stats.lists).toBe(1);
    expect(summary).toMatchObject({ upToDate: true, bytesFetched: 0, files: 3 });
  });

  test('idempotent | a file removed from DEST, or an object changed upstream, is fetched again', async () => {
    const provider = modelA(Provider);
    const dest = await tempDir();
    const job = makeJob(provider, 'mem://x/a', dest);
    await runTransfers([job], testOptions(), silentContext());
    await unlink(join(dest, 'tok.bin'));
    provider.resetStats();
    await runTransfers([job], testOptions(), silentContext());
    expect(provider.stats.reads).toBeGreaterThan(0);
    expect((await readFile(join(dest, 'tok.bin'))).equals(bytes(300 * KiB, 32))).toBe(true);

    provider.replace('a/sub/config.json', Buffer.from('{"a":2}'), 'new');
    provider.objects.delete('a/tok.bin');
    await runTransfers([job], testOptions(), silentContext());
    const tree = await readTree(dest);
    expect(tree['sub/config.json']!.toString()).toBe('{"a":2}');
    expect(Object.keys(tree).sort()).toEqual([MARKER_FILE, 'model.bin', 'sub/config.json']);
  });

  test('replace | DEST filled from another source is replaced, never mixed', async () => {
    const provider = modelA(Provider).put('b/only.bin', bytes(5000, 33));
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    await runTransfers([makeJob(provider, 'mem://x/b', dest)], testOptions(), silentContext());
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'only.bin']);
    const marker = JSON.parse(await readFile(join(dest, MARKER_FILE), 'utf8')) as { source: string; key: string };
    expect(marker).toMatchObject({ source: 'mem://x/b', key: sourceKey({ source: 'mem://x/b', uri: new URL('mem://x/b') }) });
  });

  test('replace | an interrupted download of another source is discarded, not resumed into the new one', async () => {
    const provider = modelA(Provider).put('b/model.bin', bytes(2 * MiB, 34));
    const dest = await tempDir();
    const stop = new AbortController();
    provider.onServe = (served) => { if (served >= 600 * KiB) stop.abort(new Error('SIGTERM')); };
    await rejectionOf(runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext({ signal: stop.signal })));
    provider.onServe = undefined;
    await runTransfers([makeJob(provider, 'mem://x/b', dest)], testOptions(), silentContext());
    expect((await readFile(join(dest, 'model.bin'))).equals(bytes(2 * MiB, 34))).toBe(true);
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'model.bin']);
  });

  test('commit | a crash mid-commit is finished by a rerun of the same source without fetching', async () => {
    const provider = modelA(Provider).put('b/new.bin', bytes(4000, 35));
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    const jobB = makeJob(provider, 'mem://x/b', dest);
    const listing = [];
    for await (const object of provider.list(new URL('mem://x/b'))) listing.push(object);
    const listed = listing[0];
    // The state a kill -9 leaves after the old marker and one old file were removed, before the move.
    await mkdir(join(dest, STAGING_DIR, 'data'), { recursive: true });
    await writeFile(join(dest, STAGING_DIR, 'data', 'new.bin'), bytes(4000, 35));
    const entry = { path: 'new.bin', size: 4000, version: listed!.version, checksums: listed!.checksums };
    await writeFile(join(dest, STAGING_DIR, 'state.json'), JSON.stringify({
      format: 1, key: sourceKey(jobB), source: 'mem://x/b', phase: 'commit', root: 'data', files: ['new.bin'],
      remove: ['model.bin', 'sub/config.json', 'tok.bin'],
      marker: { format: 1, key: sourceKey(jobB), source: 'mem://x/b', uri: 'mem://x/b', provider: 'memory', providerPackage: '@test/memory',
        completedAt: new Date().toISOString(), objects: [entry], files: [entry] },
    }));
    await unlink(join(dest, MARKER_FILE));
    await unlink(join(dest, 'model.bin'));
    provider.resetStats();
    const [summary] = await runTransfers([jobB], testOptions(), silentContext());
    expect(summary!.upToDate).toBe(true);
    expect(provider.stats.reads).toBe(0);
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'new.bin']);
  });

  test('commit | a crash mid-commit of another source is undone, then this source is fetched', async () => {
    const provider = modelA(Provider);
    const dest = await tempDir();
    await mkdir(join(dest, STAGING_DIR), { recursive: true });
    await writeFile(join(dest, 'half-moved.bin'), 'from the other source');
    await writeFile(join(dest, STAGING_DIR, 'state.json'), JSON.stringify({
      format: 1, key: 'other', source: 'mem://x/other', phase: 'commit', root: 'data', files: ['half-moved.bin', 'never-moved.bin'], remove: [],
    }));
    await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'model.bin', 'sub/', 'sub/config.json', 'tok.bin']);
  });

  test('journal | a rerun after a crash trusts only journalled parts whose object is unchanged', async () => {
    const provider = new MemoryProvider().put('a/big.bin', bytes(2 * MiB, 36), { version: 'v1' });
    const dest = await tempDir();
    const stop = new AbortController();
    provider.onServe = (served) => { if (served >= 1 * MiB) stop.abort(new Error('SIGTERM')); };
    await rejectionOf(runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext({ signal: stop.signal })));
    provider.onServe = undefined;
    provider.replace('a/big.bin', bytes(2 * MiB, 37), 'v2'); // same size, other bytes
    provider.resetStats();
    await runTransfers([makeJob(provider, 'mem://x/a', dest)], testOptions(), silentContext());
    expect(provider.stats.bytesServed).toBe(2 * MiB);
    expect((await readFile(join(dest, 'big.bin'))).equals(bytes(2 * MiB, 37))).toBe(true);
  });

  test('journal | lines torn by a crash are skipped; a header for another object discards the ranges', async () => {
    const dir = await tempDir();
    const header: JournalHeader = { v: 1, path: 'a.bin', size: 100, version: 'e1', partSize: 10 };
    const journal = await FileJournal.open(join(dir, 'j.jsonl'), header);
    const data = await open(join(dir, 'a.bin'), 'w');
    journal.complete(0, 10);
    journal.complete(10, 20);
    journal.complete(30, 40);
    await journal.settle();
    expect([...journal.done].sort()).toEqual(['0-10', '10-20', '30-40']);
    await journal.close();
    await data.close();
    await appendFile(join(dir, 'j.jsonl'), '{"done":[20,');
    const again = await FileJournal.open(join(dir, 'j.jsonl'), header);
    expect([...again.done].sort()).toEqual(['0-10', '10-20', '30-40']);
    await again.close();
    const other = await FileJournal.open(join(dir, 'j.jsonl'), { ...header, version: 'e2' });
    expect(other.done.size).toBe(0);
    await other.close();

    const done = await DoneLog.open(join(dir, 'done.jsonl'));
    await Promise.all([done.record(header, 100), done.record({ ...header, path: 'b.bin' }, 5)]);
    await done.close();
    await appendFile(join(dir, 'done.jsonl'), '{"header":{"v":1');
    const reopened = await DoneLog.open(join(dir, 'done.jsonl'));
    expect(reopened.sizeOf(header)).toBe(100);
    expect(reopened.sizeOf({ ...header, path: 'b.bin' })).toBe(5);
    expect(reopened.sizeOf({ ...header, checksums: 'md5:00' })).toBeUndefined();
    await reopened.close();
  });
});
