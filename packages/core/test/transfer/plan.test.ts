import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RemoteObject } from '../../src/providers/contract.js';
import { listPlan, MARKER_FILE, runTransfers } from '../../src/transfer/index.js';
import { selectFiles } from '../../src/transfer/plan.js';
import { normalizeRelativePath } from '../../src/transfer/safe-path.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, listTree, makeJob, readTree, rejectionOf, silentContext, tempDir, testOptions } from './helpers.js';

const obj = (path: string, size = 1): RemoteObject => ({ path, size, location: path });

afterAll(cleanupTemp);

describe('transfer plan', () => {
  test.each([
    ['../etc/passwd', '..'],
    ['a/../../b', '..'],
    ['/etc/passwd', 'absolute'],
    ['a\\b', 'backslash'],
    ['..\\evil', 'backslash'],
    ['a\0b', 'NUL'],
    ['', 'empty'],
    ['./.', 'empty'],
    ['.mr-init-staging/x', 'reserves'],
    [MARKER_FILE, 'reserves'],
  ])('safe path | refuses %j (%s)', (path, why) => {
    let error: (Error & { code?: string }) | undefined;
    try {
      normalizeRelativePath(path, 'mem://b/m');
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error?.code).toBe('ErrUnsafePath');
    expect(error?.message).toContain(why);
  });

  test('safe path | normalises . and empty segments, keeps spaces and unicode', () => {
    expect(normalizeRelativePath('a//./b c/ü.bin', 'x')).toBe('a/b c/ü.bin');
    expect(normalizeRelativePath('sub/..hidden', 'x')).toBe('sub/..hidden');
  });

  test('select | skips folder markers, keeps empty files, drops empty objects that are folders', () => {
    const files = selectFiles([obj('dir/'), obj('dir', 0), obj('dir/a.bin'), obj('empty.txt', 0), obj('b/c/d.bin')], {}, 'x');
    expect(files.map((f) => f.path)).toEqual(['dir/a.bin', 'empty.txt', 'b/c/d.bin']);
  });

  test('select | two objects on one path and a file that is also a folder are refused', () => {
    expect(() => selectFiles([obj('a/b'), obj('a//b')], {}, 'x')).toThrow(/two objects/);
    expect(() => selectFiles([obj('a', 5), obj('a/b')], {}, 'x')).toThrow(/both a file and a folder/);
  });

  test('select | allow and ignore patterns use fnmatch on the relative path (* crosses /)', () => {
    const all = [obj('model.bin'), obj('sub/weights.bin'), obj('README.md'), obj('sub/notes.txt')];
    const paths = (allow?: string[], ignore?: string[]): string[] =>
      selectFiles(all, { ...(allow ? { allow } : {}), ...(ignore ? { ignore } : {}) }, 'x').map((f) => f.path);
    expect(paths(['*.bin'])).toEqual(['model.bin', 'sub/weights.bin']);
    expect(paths(undefined, ['*.md', 'sub/*.txt'])).toEqual(['model.bin', 'sub/weights.bin']);
    expect(paths(['*.bin', '*.md'], ['sub/*'])).toEqual(['model.bin', 'README.md']);
  });

  test('layout | an exact object lands as its basename, a prefix keeps paths relative to it', async () => {
    const provider = new MemoryProvider()
      .put('m/model.onnx', bytes(1000, 1)).put('m/sub/a b/ü.bin', bytes(3000, 2)).put('m10/other.bin', bytes(10, 3));
    const one = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m/model.onnx', one)], testOptions(), silentContext());
    expect(await listTree(one)).toEqual([MARKER_FILE, 'model.onnx']);
    const all = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', all)], testOptions(), silentContext());
    const tree = await readTree(all);
    expect(Object.keys(tree).sort()).toEqual([MARKER_FILE, 'model.onnx', 'sub/a b/ü.bin']);
    expect(tree['sub/a b/ü.bin']!.equals(bytes(3000, 2))).toBe(true);
    const marker = JSON.parse(await readFile(join(all, MARKER_FILE), 'utf8')) as { files: Array<{ path: string; size: number }>; source: string };
    expect(marker.source).toBe('mem://b/m');
    expect(marker.files.map((f) => [f.path, f.size])).toEqual([['model.onnx', 1000], ['sub/a b/ü.bin', 3000]]);
  });

  test('plan | zero files is ErrStorageNotFound, also when patterns filter everything', async () => {
    const provider = new MemoryProvider().put('m/a.bin', bytes(10)).put('m/dir/', '');
    expect((await rejectionOf(runTransfers([makeJob(provider, 'mem://b/nothing', await tempDir())], testOptions(), silentContext()))).code)
      .toBe('ErrStorageNotFound');
    const filtered = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', await tempDir())],
      testOptions(), silentContext({ env: { STORAGE_ALLOW_PATTERNS: '["*.onnx"]' } })));
    expect(filtered.code).toBe('ErrStorageNotFound');
    expect(filtered.message).toContain('STORAGE_ALLOW_PATTERNS');
  });

  test('plan | an unsafe object name fails before anything is written', async () => {
    const provider = new MemoryProvider().put('m/ok.bin', bytes(10)).put('m/../escape.bin', bytes(10));
    const dest = await tempDir();
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext()));
    expect(error.code).toBe('ErrUnsafePath');
    expect(provider.stats.reads).toBe(0);
    expect(await listTree(dest)).toEqual([]);
  });

  test('plan | a path through a symlink in DEST is ErrUnsafePath', async () => {
    const outside = await tempDir();
    const dest = await tempDir();
    await symlink(outside, join(dest, 'sub'));
    const provider = new MemoryProvider().put('m/sub/x.bin', bytes(10));
    const error = await rejectionOf(runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext()));
    expect(error.code).toBe('ErrUnsafePath');
    expect(await listTree(outside)).toEqual([]);
  });

  test('plan | env patterns apply, JSON array or comma list, and listPlan shows the result without reads', async () => {
    const provider = new MemoryProvider().put('m/a.bin', bytes(10)).put('m/b.txt', bytes(20)).put('m/c.md', bytes(30));
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(),
      silentContext({ env: { STORAGE_IGNORE_PATTERNS: '*.txt, *.md' } }));
    expect(await listTree(dest)).toEqual([MARKER_FILE, 'a.bin']);
    provider.resetStats();
    const plan = await listPlan(provider, new URL('mem://b/m'), testOptions({ allowPatterns: ['*.txt', '*.md'] }), silentContext());
    expect(plan.map((f) => [f.path, f.size])).toEqual([['b.txt', 20], ['c.md', 30]]);
    expect(provider.stats.reads).toBe(0);
    const bad = await rejectionOf(listPlan(provider, new URL('mem://b/m'), testOptions(), silentContext({ env: { STORAGE_ALLOW_PATTERNS: '[1' } })));
    expect(bad.code).toBe('ErrConfig');
    expect(bad.message).toContain('STORAGE_ALLOW_PATTERNS');
  });

  test('plan | folder-only and empty objects: empty files are created without a read', async () => {
    const provider = new MemoryProvider().put('m/empty.txt', '').put('m/data.bin', bytes(100));
    const dest = await tempDir();
    await mkdir(dest, { recursive: true });
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext());
    const tree = await readTree(dest);
    expect(tree['empty.txt']!.length).toBe(0);
    expect(provider.stats.reads).toBe(1);
  });

  test('marker | records source, registry info and files with secrets redacted', async () => {
    const provider = new MemoryProvider().put('m/model.bin', bytes(100, 9), { version: 'etag-1', checksums: ['md5'] });
    const dest = await tempDir();
    const job = {
      ...makeJob(provider, 'mem://b/m?sig=SECRETSIGNATURE', dest, 'https://acct.example/c/m?sv=1&sig=SECRETSOURCE'),
      resolved: { model: { id: '1', name: 'iris' }, artifact: { uri: 'https://h/a?X-Amz-Signature=SECRETARTIFACT' } },
    };
    await runTransfers([job], testOptions(), silentContext());
    const text = await readFile(join(dest, MARKER_FILE), 'utf8');
    expect(text).not.toContain('SECRET');
    const marker = JSON.parse(text) as Record<string, unknown>;
    expect(marker).toMatchObject({
      format: 1, source: 'https://acct.example/c/m?sv=REDACTED&sig=REDACTED', uri: 'mem://b/m?sig=REDACTED', providerPackage: '@test/memory',
      resolved: { model: { id: '1', name: 'iris' }, artifact: { uri: 'https://h/a?X-Amz-Signature=REDACTED' } },
      files: [{ path: 'model.bin', size: 100, version: 'etag-1', checksums: [{ algorithm: 'md5', value: expect.stringMatching(/^[0-9a-f]{32}$/) }] }],
    });
  });
});
