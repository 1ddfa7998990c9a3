/** The transfer engine's public types and tunables. The CLI builds a `TransferOptions` from settings. */
import type { StorageProvider } from '../providers/contract.js';
import type { CliLogger } from '../output/logger.js';

/** How the engine downloads. Every field has a default in `DEFAULT_TRANSFER_OPTIONS`. */
export interface TransferOptions {
  /** Ranged reads in flight at once, across every file and every job of one run. @default 16 */
  connections: number;
  /** Size of one ranged part; files up to this size are one read. @default 8 MiB */
  partSize: number;
  /** Bytes buffered in memory across all reads in flight (each read holds up to about 1 MiB before a write). @default 64 MiB */
  memoryBudget: number;
  /** Attempts after the first for one part or listing; an attempt that resumed with progress does not count. @default 5 */
  retries: number;
  /** A read (or listing page) that delivers nothing for this long is aborted and retried. @default 30000 */
  stallTimeoutMs: number;
  /** fnmatch patterns on the relative path; only matching objects are fetched. @default STORAGE_ALLOW_PATTERNS, else all */
  allowPatterns?: string[];
  /** fnmatch patterns on the relative path; matching objects are skipped. @default STORAGE_IGNORE_PATTERNS, else none */
  ignorePatterns?: string[];
  /** Unpack a single fetched .tar/.tar.gz/.tgz/.zip (by name or content type) into the destination, as KServe does. @default true */
  unpack: boolean;
  /** 'auto': a bar on a TTY with text logs, periodic log lines otherwise; 'none' prints only the summary. @default 'auto' */
  progress: 'auto' | 'bar' | 'log' | 'none';
  /** Interval between progress log lines (progress 'log'). @default 5000 */
  progressIntervalMs: number;
  /** Shortest backoff before a retry (doubles each attempt, with full jitter). @default 200 */
  retryMinDelayMs?: number;
  /** Longest backoff before a retry; a server's Retry-After may ask for more (capped at 5 minutes). @default 20000 */
  retryMaxDelayMs?: number;
}

const MiB = 1024 * 1024;

/** Defaults, chosen by benchmark (design §10): 16 connections of 8 MiB parts. */
export const DEFAULT_TRANSFER_OPTIONS: TransferOptions = {
  /** @default 16 */
  connections: 16,
  /** @default 8 MiB */
  partSize: 8 * MiB,
  /** @default 64 MiB */
  memoryBudget: 64 * MiB,
  /** @default 5 */
  retries: 5,
  /** @default 30000 */
  stallTimeoutMs: 30_000,
  /** @default true */
  unpack: true,
  /** @default 'auto' */
  progress: 'auto',
  /** @default 5000 */
  progressIntervalMs: 5_000,
  /** @default 200 */
  retryMinDelayMs: 200,
  /** @default 20000 */
  retryMaxDelayMs: 20_000,
};

/** One `src dest` pair. */
export interface TransferJob {
  /** What the user asked for (model-registry://iris/v1, s3://b/p): recorded in the completion marker. */
  source: string;
  /** The storage URI to list. */
  uri: URL;
  provider: StorageProvider;
  /** npm package of the provider, for logs and the marker. */
  providerPackage: string;
  /** Destination folder (KServe's /mnt/models). */
  dest: string;
  /** Registry resolution info (model, version, artifact ids) recorded in the marker. */
  resolved?: Record<string, unknown>;
  /** Backend settings for this job's provider calls, instead of the run's `ctx.settings`. */
  settings?: Record<string, unknown>;
}

/** What every provider call and the engine itself may use. */
export interface TransferContext {
  env: Record<string, string | undefined>;
  settings: Record<string, unknown>;
  logger: CliLogger;
  /** Aborting it stops every job cleanly, leaving resumable state. */
  signal?: AbortSignal;
}

/** The outcome of one job. */
export interface TransferSummary {
  source: string;
  dest: string;
  /** Files now in the destination (after unpacking). */
  files: number;
  /** Bytes of the objects the job covers. */
  bytes: number;
  /** Bytes actually read from storage in this run (0 when up to date). */
  bytesFetched: number;
  seconds: number;
  /** True when the destination was already complete for this source and nothing was fetched. */
  upToDate: boolean;
}

/** Fixed internals, not worth a setting. */
export const WRITE_BATCH_BYTES = 1 * MiB;
/** How often a file restarts after its object changed mid-download before giving up. */
export const MAX_VERSION_RESTARTS = 3;
