/** Small tools the conformance cases share: a context, draining listings and streams, checking errors. */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import type { ByteRange, ProviderContext, ProviderErrorKind, RemoteObject, StorageProvider } from '../providers/contract.js';

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

/** Calls `read()` and drains the stream; errors thrown by read() and errors emitted by the stream both reject. */
export async function readBytes(provider: StorageProvider, obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext,
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
