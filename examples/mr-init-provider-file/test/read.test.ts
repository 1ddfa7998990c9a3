import { mkdtempSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { ProviderContext, RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';

const base = mkdtempSync(join(tmpdir(), 'mr-init-file-read-'));
afterAll(() => rm(base, { recursive: true, force: true }));

const ctx = (signal = new AbortController().signal): ProviderContext => ({
  env: {}, settings: {}, signal, logger: { debug() {}, info() {}, warn() {} },
});

async function listed(name: string, bytes: Buffer): Promise<RemoteObject> {
  const file = join(base, name);
  await writeFile(file, bytes);
  for await (const obj of provider.list(pathToFileURL(file), ctx())) return obj;
  throw new Error(`nothing listed for ${file}`);
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<Error & { kind?: string; retryable?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 251));

describe('read', () => {
  test('read | a whole file, a range and an empty range', async () => {
    const obj = await listed('whole.bin', bytes);
    expect(await drain(await provider.read(obj, undefined, ctx()))).toEqual(bytes);
    expect(await drain(await provider.read(obj, { start: 1000, end: 2001 }, ctx()))).toEqual(bytes.subarray(1000, 2001));
    expect(await drain(await provider.read(obj, { start: 5, end: 5 }, ctx()))).toEqual(Buffer.alloc(0));
  });

  test('read | a file rewritten since it was listed fails with kind VersionChanged, not retryable', async () => {
    const obj = await listed('changing.bin', bytes);
    await utimes(obj.location, new Date(), new Date(Date.now() + 5000)); // same size, new mtime
    const error = await rejection(provider.read(obj, { start: 0, end: 10 }, ctx()));
    expect(error).toMatchObject({ kind: 'VersionChanged', retryable: false });
  });

  test('read | an object without a version is read as it is now', async () => {
    const obj = await listed('unpinned.bin', bytes);
    await writeFile(obj.location, 'new');
    expect((await drain(await provider.read({ ...obj, version: undefined }, undefined, ctx()))).toString()).toBe('new');
  });

  test('read | a file deleted since it was listed fails with kind NotFound, not retryable', async () => {
    const obj = await listed('deleted.bin', bytes);
    await rm(obj.location);
    const error = await rejection(provider.read(obj, undefined, ctx()));
    expect(error).toMatchObject({ kind: 'NotFound', retryable: false });
    expect(error.message).toBe(`file: read ${obj.location}: no such file or folder (ENOENT)`);
  });

  test('read | the context signal stops the stream', async () => {
    const obj = await listed('aborted.bin', Buffer.alloc(4 * 1024 * 1024, 1));
    const controller = new AbortController();
    const stream = await provider.read(obj, undefined, ctx(controller.signal));
    controller.abort();
    const error = await rejection(drain(stream));
    expect(error.name).toBe('AbortError');
  });
});
