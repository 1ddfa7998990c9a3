/**
 * The provider contract: the one interface a storage backend implements, official or third-party.
 * Plugins import from here with `import type` only (plus the constant), so no second copy of core
 * is ever needed at runtime. Everything else (retries, resume, checksums, staging, path safety)
 * belongs to the core's transfer engine.
 */
import type { Readable } from 'node:stream';

/** Major version of this contract. A plugin states the one it was built for in `mrInitProvider.apiVersion`. */
export const PROVIDER_API_VERSION = 1;

/** Checksum algorithms the engine can verify. */
export type ChecksumAlgorithm = 'md5' | 'crc32c' | 'sha256' | 'sha1' | 'crc32';

/** A checksum of a whole object, as the backend reports it. */
export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lowercase hex of the digest (convert the backend's base64 before returning it). */
  value: string;
}

/** One object to fetch, as `list()` yields it. */
export interface RemoteObject {
  /** Path relative to the destination, '/'-separated, following KServe's layout rules. The engine re-checks it. */
  path: string;
  /** Size in bytes, verified by the engine; -1 when the backend cannot tell (then it is fetched as one stream). */
  size: number;
  /** Where the provider reads the object from (a key, a URL): opaque to the engine, handed back to `read()`. */
  location: string;
  /** Whole-object checksums the backend gives; the engine verifies each one it knows. */
  checksums?: Checksum[];
  /** ETag, generation or version id; with `versionPinning`, `read()` refuses another version (kind `VersionChanged`). */
  version?: string;
  /** Content-Type where the backend knows it (used to recognise archives). */
  contentType?: string;
}

/** A byte range: `start` inclusive, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a provider can do; the engine branches on these and the test kit selects its cases by them. */
export interface Capabilities {
  /** `read()` honours a byte range, so large objects are fetched in parallel parts and resumed. */
  rangedRead: boolean;
  /** `list()` expands a prefix or folder into the objects below it (false: a URI names one object, as with HTTP). */
  prefixListing: boolean;
  /** Algorithms `list()` may return in `checksums`. */
  checksums: readonly ChecksumAlgorithm[];
  /** `read()` fails with kind `VersionChanged` when the object no longer has `obj.version`. */
  versionPinning: boolean;
  /** The most entries one listing page returns, where the backend pages. */
  listMaxPageSize?: number;
}

/** Why a provider operation failed. The engine maps kinds to error codes and decides on retries. */
export type ProviderErrorKind =
  | 'NotFound'
  | 'PermissionDenied'
  | 'RateLimited'
  | 'Unavailable'
  | 'ContentIncomplete'
  | 'VersionChanged'
  | 'InvalidConfig'
  | 'Unexpected';

/**
 * An error a provider throws. Recognised by its `kind` property, never by `instanceof`
 * (a separately installed plugin has its own copy of every class).
 */
export interface ProviderError extends Error {
  kind: ProviderErrorKind;
  /** True when the same call may succeed if tried again (timeouts, 429, 5xx, resets). */
  retryable: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), where it said. */
  retryAfterMs?: number;
  /** The backend's HTTP status, where there was one. */
  status?: number;
  /** What to do about it, one short sentence (which variables to set, …). */
  hint?: string;
}

/** Leveled logger handed to providers; it redacts secrets and writes to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Everything a provider call may use besides its arguments. */
export interface ProviderContext {
  /** The environment credentials and backend settings come from (KServe's variable names). */
  env: Readonly<Record<string, string | undefined>>;
  /** Backend settings from STORAGE_CONFIG / the config file, keyed as the backend's variables are. */
  settings: Readonly<Record<string, unknown>>;
  logger: Logger;
  /** Aborted when the download is cancelled or the part's stall deadline passes. */
  signal: AbortSignal;
}

/** A storage backend. The plugin's `entry` module default-exports one. */
export interface StorageProvider {
  /** Short name for logs and errors, e.g. 's3'. */
  readonly name: string;
  readonly capabilities: Capabilities;
  /**
   * Every object under `uri`: the object itself (path = its basename), or every object below the
   * prefix/folder (paths relative to it). Skips folder markers. Yields nothing when nothing matches;
   * throws kind `NotFound` only when the container (bucket, account, host) itself is missing.
   */
  list(uri: URL, ctx: ProviderContext): AsyncIterable<RemoteObject>;
  /**
   * The bytes of one listed object, or of `range` of it. One attempt: no retries inside.
   * With `versionPinning`, fails with kind `VersionChanged` if the object changed since it was listed.
   */
  read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable>;
  /**
   * Optional fast path for `read()`: the same request, checks and errors, but the body goes into `sink`
   * instead of a stream, so the provider can receive into one buffer of its own, reused, and allocate
   * nothing per chunk. Resolves once the whole body was written to the sink. The engine uses it when
   * present; a provider may still fall back to its `read()` inside it.
   */
  readInto?(obj: RemoteObject, range: ByteRange | undefined, sink: BodySink, ctx: ProviderContext): Promise<void>;
  /**
   * Limits the user set through the backend's own variables (KServe's S3_MAX_FILE_CONCURRENCY, N_THREADS,
   * …): the engine then runs at most `maxConnections` reads of this provider at once, within the run's
   * budget. Return no limit unless the user asked for one: the engine's defaults are tuned by benchmark.
   */
  limits?(ctx: ProviderContext): ProviderLimits;
  /** Releases clients and sockets; called once when the download ends. */
  close?(): Promise<void>;
}

/** Where `readInto()` delivers a body: the engine's write buffer for this read. */
export interface BodySink {
  /**
   * Takes the next bytes of the body, in order. Returns undefined when they were taken and more may
   * follow at once. Returns a promise while the engine writes to the disk: keep `data` untouched and
   * read nothing more until it resolves. A rejection means the engine stopped this read (stall, abort,
   * more bytes than asked): stop too, and let `readInto` fail. While waiting, also watch `ctx.signal`:
   * after an abort the engine may settle the promise late.
   */
  write(data: Uint8Array): Promise<void> | undefined;
}

/** What `StorageProvider.limits()` may ask of the engine. */
export interface ProviderLimits {
  /** Most reads (connections) of this provider in flight at once. */
  maxConnections?: number;
}

/** The `mrInitProvider` block of a plugin's package.json: what the core reads to choose, without importing. */
export interface ProviderManifest {
  /** The contract major the plugin was built for. */
  apiVersion: number;
  /** Module path, relative to the package root, whose default export is the `StorageProvider`. */
  entry: string;
  /** URI schemes handled, lowercase, without ':' (e.g. ['s3', 's3a']). */
  schemes: string[];
  /**
   * Host patterns ('acct.example.com', '*.blob.core.windows.net') that narrow the schemes: a list applies to
   * every scheme; an object maps a scheme to its own list, and schemes it does not name match any host.
   * Absent or empty means any host.
   */
  hosts?: string[] | Record<string, string[]>;
  /**
   * The `type` values of KServe's STORAGE_CONFIG whose keys this provider reads (e.g. ["s3"]): the core
   * hands a provider STORAGE_CONFIG only when its type is one of these, or absent. @default its schemes
   */
  storageTypes?: string[];
}
