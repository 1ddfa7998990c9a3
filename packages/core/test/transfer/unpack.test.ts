import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from 'tar';
import { MARKER_FILE, runTransfers } from '../../src/transfer/index.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, listTree, makeJob, readTree, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

async function tarGz(files: Record<string, Buffer>): Promise<Buffer> {
  const dir = await tempDir();
  for (const [path, data] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of create({ gzip: true, cwd: dir, portable: true }, Object.keys(files))) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('transfer unpack', () => {
  const content = { 'model.bin': bytes(200_000, 41), '1/config.pbtxt': Buffer.from('name: "m"') };

  test('unpack | a single fetched .tar.gz is unpacked into DEST and the archive is not kept', async () => {
    const provider = new MemoryProvider().put('m/model.tar.gz', await tarGz(content));
    const dest = await tempDir();
    const [summary] = await runTransfers([makeJob(provider, 'mem://b/m/model.tar.gz', dest)], testOptions(), silentContext());
    expect(await listTree(dest)).toEqual([MARKER_FILE, '1/', '1/config.pbtxt', 'model.bin']);
    expect((await readTree(dest))['model.bin']!.equals(content['model.bin'])).toBe(true);
    expect(summary!.files).toBe(2);
    const marker = JSON.parse(await readFile(join(dest, MARKER_FILE), 'utf8')) as { unpacked: string; objects: unknown[]; files: unknown[] };
    expect(marker.unpacked).toBe('model.tar.gz');
    expect(marker.files).toEqual([{ path: '1/config.pbtxt', size: 9 }, { path: 'model.bin', size: 200_000 }]);

    provider.resetStats();
    const [again] = await runTransfers([makeJob(provider, 'mem://b/m/model.tar.gz', dest)], testOptions(), silentContext());
    expect(again!.upToDate).toBe(true);
    expect(provider.stats.reads).toBe(0);
  });

  test('unpack | recognised by content type; off with unpack: false; never with several files', async () => {
    const archive = await tarGz(content);
    const provider = new MemoryProvider().put('m/blob', archive, { contentType: 'application/x-tar' });
    const typed = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m/blob', typed)], testOptions(), silentContext());
    expect(await listTree(typed)).toContain('model.bin');

    const off = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m/blob', off)], testOptions({ unpack: false }), silentContext());
    expect(await listTree(off)).toEqual([MARKER_FILE, 'blob']);

    const several = new MemoryProvider().put('m/a.tar.gz', archive).put('m/readme.txt', 'hi');
    const dest = await tempDir();
    await runTransfers([makeJob(several, 'mem://b/m', dest)], testOptions(), silentContext());
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'a.tar.gz', 'readme.txt']);
  });

  test('unpack | a corrupt archive fails with ErrArchive and leaves DEST without a half model', async () => {
    const provider = new MemoryProvider().put('m/model.tar.gz', Buffer.concat([(await tarGz(content)).subarray(0, 500), Buffer.alloc(100)]));
    const dest = await tempDir();
    await expect(runTransfers([makeJob(provider, 'mem://b/m/model.tar.gz', dest)], testOptions(), silentContext()))
      .rejects.toMatchObject({ code: 'ErrArchive' });
    expect((await listTree(dest)).filter((p) => !p.startsWith('.mr-init-staging'))).toEqual([]);
  });

  test('unpack | an archive entry with a name mr-init reserves is refused', async () => {
    const provider = new MemoryProvider().put('m/model.tar.gz', await tarGz({ '.mr-init-complete.json': Buffer.from('{}'), 'a.bin': bytes(10) }));
    const dest = await tempDir();
    await expect(runTransfers([makeJob(provider, 'mem://b/m/model.tar.gz', dest)], testOptions(), silentContext()))
      .rejects.toMatchObject({ code: 'ErrUnsafePath' });
    expect((await listTree(dest)).filter((p) => !p.startsWith('.mr-init-staging'))).toEqual([]);
  });
});
