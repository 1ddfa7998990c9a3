/** Small tools the conformance cases share: a context, draining listings and streams, checking errors. */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import type { BodySink, ByteRange, ProviderContext, ProviderErrorKind, RemoteObject, StorageProvider } from '../providers/contract.js';

export const ERROR_KINDS: readonly ProviderErrorKind[] = [
  'NotFound', 'PermissionDenied', 'RateLimited', 'Unavailable', 'ContentIncomplete', 'VersionChanged', 'InvalidConfig', 'Unexpected',
];

/** More objects than any kit fixture holds: a listing that goes past it is looping. */
const MAX_LISTED = 10_000;
/** A stream that makes no progress for this long is reported as hung instead of waiting for the runner's timeout. */
const STALL_MS = 30_000;

const silent = { debug() {}, info() {}, warn() {} };

/** The context every call gets: an empty environment unless the target gives one, so runs are hermetic. */
export function makeContext(partial: Partial<ProviderContext> | undefined): ProviderContext {
  return { env: {}, settings: {}, logger: silent, signal: new AbortController().signal, ...partial };
}

/** Drains `list()`; `what` names the call in messages. */
export async function listAll(provider: StorageProvider, uri: URL, ctx: ProviderContext, what = `list(${uri.href})`): Promise<RemoteObject[]> {
  const iterable = provider.list(uri, ctx);
  assert.ok(iterable && typeof (iterable as AsyncIterable<RemoteObject>)[Symbol.asyncIterator] === 'function',
    `${what} returned ${typeof iterable}; list() must return an AsyncIterable of RemoteObject`);
  const out: RemoteObject[] = [];
  for await (const obj of iterable) {
    out.push(obj);
    assert.ok(out.length <= MAX_LISTED, `${what} yielded more than ${MAX_LISTED} objects for a small fixture; it is probably looping`);
  }
  return out;
}

/**
 * Reads through `read()` and, when the provider has it, through `readInto()` too: both must give the
 * same bytes, or fail with the same kind. Resolves or rejects as `read()` did.
 */
export async function readBytes(provider: StorageProvider, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext,
  maxBytes: number): Promise<Buffer> {
  const viaRead = await settle(readStreamBytes(provider, obj, range, ctx, maxBytes));
  if (provider.readInto) {
    const viaInto = await settle(readIntoBytes(provider, obj, range, ctx, maxBytes));
    const what = describeRead(obj, range).replace(/^read/, 'readInto');
    if (viaInto.error instanceof assert.AssertionError) throw viaInto.error;
    if (viaRead.error === undefined && viaInto.error === undefined) {
      assertSameBytes(viaInto.value!, viaRead.value!, what, 'readInto() must deliver exactly the bytes read() returns');
    } else if (viaRead.error === undefined) {
      assert.fail(`${what} failed (${(viaInto.error as Error).message}) where read() returned ${viaRead.value!.length} bytes; both must behave alike`);
    } else if (viaInto.error === undefined) {
      assert.fail(`${what} delivered ${viaInto.value!.length} bytes where read() failed (${(viaRead.error as Error).message}); both must behave alike`);
    } else if (!(viaRead.error instanceof assert.AssertionError)) {
      const kinds = [viaRead.error, viaInto.error].map((e) => (e as { kind?: unknown }).kind);
      assert.equal(kinds[1], kinds[0], `${what} failed with kind ${String(kinds[1])} where read() failed with kind ${String(kinds[0])}; both must fail alike`);
    }
  }
  if (viaRead.error !== undefined) throw viaRead.error;
  return viaRead.value!;
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error ?? new Error('rejected without a reason') };
  }
}

/**
 * Calls `readInto()` with a sink that pushes back (every third write waits) and checks the provider's
 * side of the contract: no write while a promise is pending, the handed bytes untouched until it
 * settles, no more than `maxBytes`, and no resolving before the last promise settled.
 */
export async function readIntoBytes(provider: StorageProvider, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext,
  maxBytes: number): Promise<Buffer> {
  const what = describeRead(obj, range).replace(/^read/, 'readInto');
  const chunks: Buffer[] = [];
  let total = 0;
  let calls = 0;
  let pending: { data: Uint8Array; copy: Buffer } | undefined;
  let violation: string | undefined;
  const sink: BodySink = {
    write(data) {
      if (pending) violation ??= `${what} called sink.write() again before the promise of its previous call settled; it must wait for it`;
      if (!(data instanceof Uint8Array)) {
        violation ??= `${what} passed ${typeof data} to sink.write(); it must pass a Uint8Array (a Buffer)`;
        return undefined;
      }
      const copy = Buffer.from(data);
      chunks.push(copy);
      total += copy.length;
      if (total > maxBytes) violation ??= `${what} delivered more than ${maxBytes} bytes; it must deliver exactly the object's (or range's) bytes`;
      if (++calls % 3 !== 0) return undefined;
      const entry = { data, copy };
      pending = entry;
      return new Promise<void>((resolve) => setTimeout(() => {
        if (!Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).equals(entry.copy)) {
          violation ??= `${what} changed bytes it had handed to sink.write() while the sink's promise was pending; keep them untouched until it settles`;
        }
        pending = undefined;
        resolve();
      }, 1));
    },
  };
  await within(provider.readInto!(obj, range, sink, ctx), STALL_MS, what);
  if (pending) violation ??= `${what} resolved before the sink's last promise settled; it must wait for it`;
  if (violation) throw new assert.AssertionError({ message: violation });
  return Buffer.concat(chunks);
}

/** `promise`, or an AssertionError saying that `what` did not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what} did not settle within ${ms / 1000} s` })), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `read()` and drains the stream; errors thrown by read() and errors emitted by the stream both reject. */
async function readStreamBytes(provider: StorageProvider, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext,
  maxBytes: number): Promise<Buffer> {
  const what = describeRead(obj, range);
  const stream = await provider.read(obj, range, ctx);
  assert.ok(stream && typeof (stream as Readable).on === 'function' && typeof (stream as Readable).pipe === 'function',
    `${what} resolved to ${typeof stream}; read() must resolve to a Readable stream`);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new assert.AssertionError({
        message: `${what} made no progress for ${STALL_MS / 1000} s after ${total} bytes and never ended; a stream must end or fail`,
      })), STALL_MS);
      timer.unref?.();
    };
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      stream.destroy();
      reject(error);
    };
    stream.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      total += buf.length;
      if (total > maxBytes) {
        fail(new assert.AssertionError({ message: `${what} returned more than ${maxBytes} bytes; it must return exactly the object's (or range's) bytes` }));
      } else arm();
    });
    stream.once('error', fail);
    stream.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    arm();
  });
}

export function describeRead(obj: RemoteObject, range: ByteRange | undefined): string {
  return range ? `read(${obj.path}, range ${range.start}..${range.end})` : `read(${obj.path})`;
}

/** Asserts `error` is a provider error of `kind`: an Error with a known string `kind` and a boolean `retryable`. */
export function assertProviderError(error: unknown, kind: ProviderErrorKind, what: string): void {
  assertErrorShape(error, what);
  const actual = (error as { kind: string }).kind;
  assert.equal(actual, kind, `${what} failed with kind ${actual} (${(error as Error).message}); it must fail with kind ${kind}`);
}

/** Asserts an error carries the contract's shape, whatever its kind. */
export function assertErrorShape(error: unknown, what: string): void {
  assert.ok(error instanceof Error, `${what} threw ${describeThrown(error)}; providers must throw Error objects`);
  const { kind, retryable } = error as Error & { kind?: unknown; retryable?: unknown };
  assert.ok(typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind),
    `${what} threw an Error without a valid \`kind\` (got ${JSON.stringify(kind)}: "${error.message}"); ` +
    `set kind to one of ${ERROR_KINDS.join(', ')} so the engine can map it`);
  assert.equal(typeof retryable, 'boolean',
    `${what} threw kind ${kind} with retryable=${JSON.stringify(retryable)}; \`retryable\` must be a boolean`);
}

function describeThrown(error: unknown): string {
  if (error === null || typeof error !== 'object') return `${typeof error} ${String(error)}`;
  return `an object that is not an Error (${Object.prototype.toString.call(error)})`;
}

/** Runs `fn` and returns what it threw; fails with `message` when it succeeded. */
export async function expectFailure(fn: () => Promise<unknown>, message: (value: unknown) => string): Promise<unknown> {
  let value: unknown;
  try {
    value = await fn();
  } catch (error) {
    return error;
  }
  assert.fail(message(value));
}

/** Deterministic, non-repeating-looking bytes (so a shifted or reordered range never compares equal by luck). */
export function fixtureBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Index of the first differing byte, or -1. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Asserts `actual` equals `expected`, saying how it differs. */
export function assertSameBytes(actual: Buffer, expected: Buffer, what: string, rule: string): void {
  assert.equal(actual.length, expected.length, `${what} returned ${actual.length} bytes; ${rule} (${expected.length})`);
  const at = firstDifference(actual, expected);
  assert.equal(at, -1, `${what} returned different bytes from offset ${at}; it must return the stored bytes unchanged`);
}
