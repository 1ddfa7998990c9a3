/**
 * An in-memory StorageProvider for engine tests: objects with bytes, versions and checksums, honoured
 * ranges, configurable capabilities, and fault injection (fail the Nth read with a kind, cut or stall a
 * body after N bytes, hang in read(), serve wrong bytes, change the object, ignore ranges), with
 * counters the tests assert on (bytes served, reads, most reads in flight).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import type {
  BodySink, ByteRange, Capabilities, Checksum, ChecksumAlgorithm, ProviderContext, ProviderError, ProviderErrorKind,
  RemoteObject, StorageProvider,
} from '../../src/providers/contract.js';

/** A decorated error as a plugin throws it. */
export function providerError(kind: ProviderErrorKind, message: string, extra: Partial<ProviderError> = {}): ProviderError {
  const retryable = kind === 'RateLimited' || kind === 'Unavailable' || kind === 'ContentIncomplete';
  return Object.assign(new Error(message), { kind, retryable, ...extra }) as ProviderError;
}

/** The checksum of `data` in the contract's format (lowercase hex). */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): Checksum {
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
  const value = algorithm === 'crc32' ? hex(crc32(data)) : algorithm === 'crc32c' ? hex(crc32c(data))
    : createHash(algorithm).update(data).digest('hex');
  return { algorithm, value };
}

export type FaultAction =
  /** read() rejects with this kind. */
  | { type: 'fail'; kind: ProviderErrorKind; retryable?: boolean; retryAfterMs?: number; hint?: string; status?: number }
  /** The body fails (or ends early, mode 'end') after `afterBytes`; `raw` sends a bare ECONNRESET like an SDK would. */
  | { type: 'cut'; afterBytes: number; mode?: 'error' | 'end'; raw?: boolean }
  /** The body stops after `afterBytes` and never ends, ignoring the abort signal (like an SDK on a reset). */
  | { type: 'stall'; afterBytes: number }
  /** read() never settles, ignoring the abort signal. */
  | { type: 'hang' }
  /** One byte of the body is flipped. */
  | { type: 'corrupt' }
  /** The object is replaced before this read (so a pinned read fails with VersionChanged). */
  | { type: 'change'; data: Buffer; version: string }
  /** The range is ignored: the whole object is sent from byte 0. */
  | { type: 'ignoreRange' };

export interface Fault {
  /** Object key the fault applies to; any object when absent. */
  key?: string;
  /** Fire on the Nth matching read (1-based); on every matching read when absent. */
  nth?: number;
  /** How many times it may fire. @default 1 when `nth` is set, unlimited otherwise */
  times?: number;
  action: FaultAction;
  fired?: number;
}

interface Stored {
  data: Buffer;
  version?: string;
  checksums: Checksum[];
  contentType?: string;
  /** What list() reports as size (e.g. -1 for unknown). */
  listedSize?: number;
  checksumAlgorithms: ChecksumAlgorithm[];
}

export interface PutOptions {
  version?: string;
  /** Checksums to advertise, computed from the data. @default ['md5'] */
  checksums?: ChecksumAlgorithm[];
  /** Advertise these checksum values verbatim instead (e.g. a wrong one). */
  checksumValues?: Checksum[];
  contentType?: string;
  listedSize?: number;
}

export class MemoryProvider implements StorageProvider {
  readonly name = 'memory';
  readonly capabilities: Capabilities;
  readonly objects = new Map<string, Stored>();
  faults: Fault[] = [];
  /** Errors list() throws, one per call, before yielding anything. */
  listFailures: Error[] = [];
  chunkSize: number;
  /** Called after every chunk served, with the total served so far. */
  onServe?: (totalBytes: number) => void;
  stats = { lists: 0, reads: 0, bytesServed: 0, inFlight: 0, maxInFlight: 0, readsByKey: new Map<string, number>(), closed: 0 };
  private versionCounter = 0;

  constructor(options: { capabilities?: Partial<Capabilities>; chunkSize?: number } = {}) {
    this.capabilities = {
      rangedRead: true, prefixListing: true, checksums: ['md5', 'crc32c', 'sha256', 'sha1', 'crc32'], versionPinning: true,
      ...options.capabilities,
    };
    this.chunkSize = options.chunkSize ?? 16 * 1024;
  }

  put(key: string, data: Buffer | string, options: PutOptions = {}): this {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const algorithms = options.checksums ?? ['md5'];
    this.objects.set(key, {
      data: bytes, version: options.version ?? `v${++this.versionCounter}`, checksumAlgorithms: algorithms,
      checksums: options.checksumValues ?? algorithms.map((a) => checksumOf(a, bytes)),
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...(options.listedSize !== undefined ? { listedSize: options.listedSize } : {}),
    });
    return this;
  }

  /** Replaces an object's bytes with a new version (checksums recomputed). */
  replace(key: string, data: Buffer, version: string): void {
    const stored = this.objects.get(key)!;
    stored.data = data;
    stored.version = version;
    stored.checksums = stored.checksumAlgorithms.map((a) => checksumOf(a, data));
  }

  resetStats(): void {
    this.stats = { lists: 0, reads: 0, bytesServed: 0, inFlight: 0, maxInFlight: 0, readsByKey: new Map(), closed: 0 };
  }

  async close(): Promise<void> {
    this.stats.closed += 1;
  }

  async *list(uri: URL): AsyncIterable<RemoteObject> {
    this.stats.lists += 1;
    const failure = this.listFailures.shift();
    if (failure) throw failure;
    const prefix = decodeURIComponent(uri.pathname).replace(/^\//, '');
    const entry = (key: string, path: string): RemoteObject => {
      const s = this.objects.get(key)!;
      return {
        path, location: key, size: s.listedSize ?? s.data.length,
        ...(s.version !== undefined ? { version: s.version } : {}),
        ...(s.checksums.length ? { checksums: s.checksums.map((c) => ({ ...c })) } : {}),
        ...(s.contentType ? { contentType: s.contentType } : {}),
      };
    };
    await Promise.resolve();
    if (prefix && this.objects.has(prefix)) {
      yield entry(prefix, posix.basename(prefix));
      return;
    }
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(folder)) yield entry(key, key.slice(folder.length));
    }
  }

  private takeFault(key: string, count: number): FaultAction | undefined {
    for (const fault of this.faults) {
      if (fault.key !== undefined && fault.key !== key) continue;
      const index = fault.key !== undefined ? count : this.stats.reads;
      if (fault.nth !== undefined && fault.nth !== index) continue;
      const limit = fault.times ?? (fault.nth !== undefined ? 1 : Infinity);
      if ((fault.fired ?? 0) >= limit) continue;
      fault.fired = (fault.fired ?? 0) + 1;
      return fault.action;
    }
    return undefined;
  }

  async read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
    this.stats.reads += 1;
    const count = (this.stats.readsByKey.get(obj.location) ?? 0) + 1;
    this.stats.readsByKey.set(obj.location, count);
    const fault = this.takeFault(obj.location, count);
    await new Promise((resolve) => setImmediate(resolve));
    if (fault?.type === 'hang') return new Promise<Readable>(() => {});
    if (fault?.type === 'change') this.replace(obj.location, fault.data, fault.version);
    if (fault?.type === 'fail') {
      throw providerError(fault.kind, `injected ${fault.kind} reading ${obj.location}`, {
        ...(fault.retryable !== undefined ? { retryable: fault.retryable } : {}),
        ...(fault.retryAfterMs !== undefined ? { retryAfterMs: fault.retryAfterMs } : {}),
        ...(fault.hint !== undefined ? { hint: fault.hint } : {}),
        ...(fault.status !== undefined ? { status: fault.status } : {}),
      });
    }
    const stored = this.objects.get(obj.location);
    if (!stored) throw providerError('NotFound', `no object ${obj.location}`);
    if (this.capabilities.versionPinning && obj.version !== undefined && obj.version !== stored.version) {
      throw providerError('VersionChanged', `${obj.location} is now ${stored.version}, not ${obj.version}`);
    }
    let body = stored.data;
    if (range && fault?.type !== 'ignoreRange') {
      if (range.start < 0 || range.end > body.length || range.start > range.end) {
        throw providerError('Unexpected', `bad range ${range.start}-${range.end} of ${body.length}`, { status: 416 });
      }
      body = body.subarray(range.start, range.end);
    }
    if (fault?.type === 'corrupt' && body.length > 0) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    return this.serve(body, fault, ctx.signal);
  }

  private serve(body: Buffer, fault: FaultAction | undefined, signal: AbortSignal): Readable {
    const stats = this.stats;
    const cutAt = fault?.type === 'cut' || fault?.type === 'stall' ? fault.afterBytes : Infinity;
    let sent = 0;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const stream = new Readable({
      highWaterMark: this.chunkSize,
      read: () => {
        setImmediate(() => {
          if (stream.destroyed) return;
          if (sent >= cutAt) {
            if (fault?.type === 'stall') return; // silence, forever
            if (fault?.type === 'cut' && fault.mode === 'end') return void stream.push(null);
            const error = fault?.type === 'cut' && fault.raw
              ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
              : providerError('Unavailable', 'connection reset by peer');
            return void stream.destroy(error);
          }
          if (sent >= body.length) return void stream.push(null);
          const chunk = body.subarray(sent, Math.min(body.length, sent + this.chunkSize, cutAt));
          sent += chunk.length;
          stats.bytesServed += chunk.length;
          stream.push(chunk);
          this.onServe?.(stats.bytesServed);
        });
      },
    });
    stream.once('close', () => { stats.inFlight -= 1; });
    if (fault?.type !== 'stall') {
      const onAbort = (): void => { stream.destroy(providerError('Unavailable', 'aborted')); };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return stream;
  }
}

/**
 * A MemoryProvider that also implements `readInto()`, the way a socket-level provider does: every chunk
 * of its `read()` stream is copied into one scratch buffer, reused, and handed to the sink; while the
 * sink's promise is pending the stream is paused. After each promise the scratch buffer is scribbled
 * over, so an engine that kept a reference to handed-over bytes writes garbage and its test fails.
 */
export class SinkMemoryProvider extends MemoryProvider {
  /** Most bytes handed to the sink in one call. */
  scratchSize = 40 * 1024 + 7;
  /** Times the sink answered with a promise (the engine was writing). */
  sinkWaits = 0;

  async readInto(obj: RemoteObject, range: ByteRange | undefined, sink: BodySink, ctx: ProviderContext): Promise<void> {
    const aborted = new Promise<never>((_, reject) => {
      if (ctx.signal.aborted) reject(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    const reading = this.read(obj, range, ctx);
    // A stream that arrives after the abort is nobody's: drop it, and the error it may already carry.
    reading.then((late) => {
      if (!ctx.signal.aborted) return;
      late.on('error', () => {});
      late.destroy();
    }, () => {});
    const stream = await Promise.race([reading, aborted]);
    // A stream that went silent ignores the abort: like a socket provider, stop it ourselves.
    const stop = (): void => void stream.destroy(ctx.signal.reason as Error);
    ctx.signal.addEventListener('abort', stop, { once: true });
    const scratch = Buffer.alloc(this.scratchSize);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length; at += scratch.length) {
          const n = chunk.copy(scratch, 0, at, Math.min(chunk.length, at + scratch.length));
          const wait = sink.write(scratch.subarray(0, n));
          if (wait) {
            this.sinkWaits += 1;
            await Promise.race([wait, aborted]);
          }
          scratch.fill(0xee); // the sink had to copy these bytes before it answered
        }
      }
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      stream.destroy();
    }
  }
}
