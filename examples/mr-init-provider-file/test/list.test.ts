import { mkdtempSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProviderContext, RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';

const base = mkdtempSync(join(tmpdir(), 'mr-init-file-list-'));
afterAll(() => rm(base, { recursive: true, force: true }));

const warnings: string[] = [];
const ctx = (env: Record<string, string> = {}): ProviderContext => ({
  env, settings: {}, signal: new AbortController().signal,
  logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m) },
});

async function list(uri: URL | string, env?: Record<string, string>): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const obj of provider.list(typeof uri === 'string' ? new URL(uri) : uri, ctx(env))) out.push(obj);
  return out;
}

async function failure(uri: URL | string, env?: Record<string, string>): Promise<Error & { kind?: string; retryable?: boolean; hint?: string }> {
  try {
    await list(uri, env);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`list(${String(uri)}) succeeded`);
}

let n = 0;
async function folder(files: Record<string, string>): Promise<string> {
  const root = join(base, `case-${++n}`);
  for (const [key, text] of Object.entries(files)) {
    await mkdir(join(root, key, '..'), { recursive: true });
    await writeFile(join(root, key), text);
  }
  await mkdir(root, { recursive: true });
  return root;
}

describe('list', () => {
  test('list | a folder yields every file below it, sorted, with relative paths, sizes and versions', async () => {
    const root = await folder({ 'b.bin': 'bb', 'a/x.txt': 'x', 'a/deep/y.txt': 'yyy' });
    const objects = await list(pathToFileURL(root));
    expect(objects.map((o) => [o.path, o.size])).toEqual([['a/deep/y.txt', 3], ['a/x.txt', 1], ['b.bin', 2]]);
    expect(objects.every((o) => /^\d+-\d+$/.test(o.version!) && o.location.startsWith(root))).toBe(true);
  });

  test('list | a trailing slash and a plain folder path list the same files', async () => {
    const root = await folder({ 'm/model.onnx': 'onnx' });
    expect(await list(pathToFileURL(`${root}/m/`))).toEqual(await list(pathToFileURL(`${root}/m`)));
  });

  test('list | one file is listed under its basename', async () => {
    const root = await folder({ 'v1/model.onnx': 'onnx' });
    const [obj, ...rest] = await list(pathToFileURL(join(root, 'v1/model.onnx')));
    expect(rest).toEqual([]);
    expect(obj).toMatchObject({ path: 'model.onnx', size: 4, location: join(root, 'v1/model.onnx') });
  });

  test('list | percent-encoded names (%, #, spaces) are decoded once', async () => {
    const root = await folder({ 'a%20b #1.bin': 'z' });
    const objects = await list(pathToFileURL(root));
    expect(objects.map((o) => o.path)).toEqual(['a%20b #1.bin']);
  });

  test('list | empty files are listed (the core decides to skip them)', async () => {
    const root = await folder({ 'empty.txt': '', 'full.txt': 'f' });
    expect((await list(pathToFileURL(root))).map((o) => [o.path, o.size])).toEqual([['empty.txt', 0], ['full.txt', 1]]);
  });

  test('list | links to files and folders are followed; broken links are skipped with a warning', async () => {
    const root = await folder({ 'store/weights.bin': 'w', 'store/sub/cfg.json': '{}', 'model/readme.md': 'r' });
    await symlink(join(root, 'store/weights.bin'), join(root, 'model/weights.bin'));
    await symlink(join(root, 'store/sub'), join(root, 'model/sub'));
    await symlink(join(root, 'nowhere'), join(root, 'model/dangling'));
    warnings.length = 0;
    const objects = await list(pathToFileURL(join(root, 'model')));
    expect(objects.map((o) => [o.path, o.size])).toEqual([['readme.md', 1], ['sub/cfg.json', 2], ['weights.bin', 1]]);
    expect(warnings).toEqual([expect.stringContaining('dangling: it is a broken link')]);
  });

  test('list | a link back to a folder above is not walked forever', async () => {
    const root = await folder({ 'm/a.bin': 'a' });
    await symlink(join(root, 'm'), join(root, 'm/loop'));
    warnings.length = 0;
    expect((await list(pathToFileURL(join(root, 'm')))).map((o) => o.path)).toEqual(['a.bin']);
    expect(warnings).toEqual([expect.stringContaining('a link back to a folder above it')]);
  });

  test('list | a missing file inside an existing folder yields nothing', async () => {
    const root = await folder({ 'present.bin': 'p' });
    expect(await list(pathToFileURL(join(root, 'absent.bin')))).toEqual([]);
  });

  test('list | a missing folder fails with kind NotFound naming it', async () => {
    const error = await failure(pathToFileURL(join(base, 'nope', 'model.bin')));
    expect(error).toMatchObject({ kind: 'NotFound', retryable: false });
    expect(error.message).toBe(`file: list ${join(base, 'nope', 'model.bin')}: the folder ${join(base, 'nope')} does not exist`);
  });

  test('list | a path below a file fails with kind NotFound', async () => {
    const root = await folder({ 'model.bin': 'm' });
    expect(await failure(pathToFileURL(join(root, 'model.bin', 'inner')))).toMatchObject({ kind: 'NotFound' });
  });

  test('list | a file:// URI with a remote host is refused with kind InvalidConfig', async () => {
    const error = await failure('file://fileserver/models/iris');
    expect(error).toMatchObject({ kind: 'InvalidConfig', retryable: false });
    expect(error.hint).toMatch(/three slashes/);
  });

  test('list | checksums are absent unless FILE_CHECKSUMS asks for them', async () => {
    const root = await folder({ 'a.txt': 'hello' });
    expect((await list(pathToFileURL(root)))[0]!.checksums).toBeUndefined();
    expect((await list(pathToFileURL(root), { FILE_CHECKSUMS: 'md5' }))[0]!.checksums).toEqual([
      { algorithm: 'md5', value: '5d41402abc4b2a76b9719d911017c592' },
    ]);
    expect((await list(pathToFileURL(root), { FILE_CHECKSUMS: 'sha256,md5' }))[0]!.checksums!.map((c) => c.algorithm)).toEqual(['sha256', 'md5']);
  });

  test('list | a bad FILE_CHECKSUMS fails the listing with kind InvalidConfig', async () => {
    const root = await folder({ 'a.txt': 'a' });
    expect(await failure(pathToFileURL(root), { FILE_CHECKSUMS: 'crc32c' })).toMatchObject({ kind: 'InvalidConfig' });
  });
});
