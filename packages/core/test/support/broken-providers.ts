/**
 * Deliberately broken providers, each wrapping the reference with one classic bug. The kit must fail at
 * least one named case against each (packages/core/test/testkit.test.ts says which).
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RemoteObject, StorageProvider } from '../../src/providers/contract.js';
import { createReferenceProvider } from './reference-provider.js';

function wrap(name: string, overrides: Partial<StorageProvider>): StorageProvider {
  const base = createReferenceProvider();
  return { ...base, name, ...overrides };
}

async function* mapList(base: StorageProvider, uri: URL, ctx: Parameters<StorageProvider['list']>[1], fn: (o: RemoteObject) => RemoteObject): AsyncGenerator<RemoteObject> {
  for await (const obj of base.list(uri, ctx)) yield fn(obj);
}

/** Reports one byte more than the object holds. */
export function wrongSize(): StorageProvider {
  const base = createReferenceProvider();
  return wrap('broken-wrong-size', { list: (uri, ctx) => mapList(base, uri, ctx, (o) => ({ ...o, size: o.size + 1 })) });
}

/** Ends every stream one byte early, without an error. */
export function truncatedStream(): StorageProvider {
  const base = createReferenceProvider();
  return wrap('broken-truncated-stream', {
    async read(obj, range, ctx) {
      const source = await base.read(obj, range, ctx);
      const total = range ? range.end - range.start : obj.size;
      let seen = 0;
      return source.pipe(new Transform({
        transform(chunk: Buffer, _enc, done) {
          const keep = Math.max(0, Math.min(chunk.length, total - 1 - seen));
          seen += chunk.length;
          done(null, chunk.subarray(0, keep));
        },
      }));
    },
  });
}

/** Reports the md5 of something else. */
export function wrongChecksum(): StorageProvider {
  const base = createReferenceProvider();
  return wrap('broken-wrong-checksum', {
    list: (uri, ctx) => mapList(base, uri, ctx, (o) => ({ ...o, checksums: [{ algorithm: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }] })),
  });
}

/** Ignores the range and streams the whole object, as a server that drops the Range header would. */
export function ignoresRanges(): StorageProvider {
  const base = createReferenceProvider();
  return wrap('broken-ignores-ranges', { read: (obj, _range, ctx) => base.read(obj, undefined, ctx) });
}

/** Lists with a raw string prefix, so `root/v1` also pulls `root/v10/…` (kserve#3776). */
export function siblingBleed(): StorageProvider {
  const base = createReferenceProvider();
  return wrap('broken-v1-v10-bleed', {
    async *list(uri, ctx) {
      const target = fileURLToPath(uri).replace(/[/\\]+$/, '');
      const parent = dirname(target);
      const prefix = relative(parent, target);
      const all: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.isDirectory()) await walk(join(dir, e.name));
          else all.push(relative(parent, join(dir, e.name)).split(sep).join('/'));
        }
      };
      if (!(await stat(target).catch(() => undefined))?.isDirectory()) {
        yield* base.list(uri, ctx);
        return;
      }
      await walk(parent);
      for (const key of all.filter((k) => k.startsWith(prefix)).sort()) {
        for await (const obj of base.list(pathToFileURL(join(parent, key)), ctx)) {
          yield { ...obj, path: key.slice(prefix.length).replace(/^\//, '') };
        }
      }
    },
  });
}

/** Throws plain Errors without `kind`/`retryable`, so the engine cannot tell not-found from a network blip. */
export function errorsWithoutKind(): StorageProvider {
  const base = createReferenceProvider();
  const strip = (error: unknown): Error => new Error((error as Error).message);
  return wrap('broken-errors-without-kind', {
    async *list(uri, ctx) {
      try {
        yield* base.list(uri, ctx);
      } catch (error) {
        throw strip(error);
      }
    },
    async read(obj, range, ctx) {
      try {
        return await base.read(obj, range, ctx);
      } catch (error) {
        throw strip(error);
      }
    },
  });
}

type IntoMode = 'correct' | 'ignores-backpressure' | 'scribbles-while-pending' | 'drops-last-chunk' | 'ignores-abort';

/**
 * The reference provider plus a `readInto()` built on its `read()`: chunks copied into one scratch
 * buffer, reused, the way a socket-level provider works. `mode` picks the bug, or none.
 */
export function withReadInto(mode: IntoMode): StorageProvider {
  const base = createReferenceProvider();
  return wrap(mode === 'correct' ? 'reference-read-into' : `broken-read-into-${mode}`, {
    async readInto(obj, range, sink, ctx) {
      const aborted = new Promise<never>((_, reject) => {
        if (ctx.signal.aborted) reject(ctx.signal.reason);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      const stream = await base.read(obj, range, ctx);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      if (mode === 'drops-last-chunk') chunks.pop();
      const scratch = Buffer.alloc(4096);
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length; at += scratch.length) {
          const n = chunk.copy(scratch, 0, at);
          const wait = sink.write(scratch.subarray(0, n));
          if (mode === 'scribbles-while-pending') scratch.fill(0);
          if (wait && mode === 'ignores-abort') await wait;
          else if (wait && mode !== 'ignores-backpressure') await Promise.race([wait, aborted]);
        }
      }
    },
  });
}

/** Every broken provider, by the name of a kit case it must fail. */
export const BROKEN_PROVIDERS: Array<{ make: () => StorageProvider; mustFail: string }> = [
  { make: wrongSize, mustFail: 'list | one object: path is its basename, size and bytes are exact' },
  { make: truncatedStream, mustFail: 'list | one object: path is its basename, size and bytes are exact' },
  { make: truncatedStream, mustFail: 'read | ranges: first byte, middle, last byte, whole object' },
  { make: wrongChecksum, mustFail: 'list | checksums: only declared algorithms, lowercase hex, matching the bytes' },
  { make: ignoresRanges, mustFail: 'read | ranges: first byte, middle, last byte, whole object' },
  { make: siblingBleed, mustFail: 'list | sibling rule: listing root/v1 returns no root/v10/… object' },
  { make: errorsWithoutKind, mustFail: 'errors | missing object: list yields nothing or fails with NotFound; read fails with NotFound' },
  { make: () => withReadInto('ignores-backpressure'), mustFail: 'read | ranges: first byte, middle, last byte, whole object' },
  { make: () => withReadInto('scribbles-while-pending'), mustFail: 'read | ranges: first byte, middle, last byte, whole object' },
  { make: () => withReadInto('drops-last-chunk'), mustFail: 'list | one object: path is its basename, size and bytes are exact' },
  { make: () => withReadInto('ignores-abort'), mustFail: 'read | readInto stops when the sink refuses its bytes or the signal aborts' },
];
