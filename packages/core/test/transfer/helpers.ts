/** Shared fixtures for the engine tests: deterministic bytes, temp folders, options and a silent context. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliLogger } from '../../src/output/logger.js';
import type { TransferContext, TransferJob, TransferOptions } from '../../src/transfer/index.js';
import type { MemoryProvider } from '../support/memory-provider.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** `size` pseudo-random bytes, the same for the same seed. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const made: string[] = [];

/** A fresh temp folder, removed by `cleanupTemp()`. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mr-init-transfer-'));
  made.push(dir);
  return dir;
}

export async function cleanupTemp(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Small parts and fast retries so tests stay quick. */
export function testOptions(overrides: Partial<TransferOptions> = {}): TransferOptions {
  return {
    connections: 4, partSize: 256 * KiB, memoryBudget: 8 * MiB, retries: 3, stallTimeoutMs: 300, unpack: true,
    progress: 'none', progressIntervalMs: 1000, retryMinDelayMs: 1, retryMaxDelayMs: 5, ...overrides,
  };
}

export function silentContext(overrides: Partial<TransferContext> = {}): TransferContext {
  return { env: {}, settings: {}, logger: new CliLogger({ level: 'silent' }), ...overrides };
}

export function makeJob(provider: MemoryProvider, uri: string, dest: string, source = uri): TransferJob {
  return { source, uri: new URL(uri), provider, providerPackage: '@test/memory', dest };
}

/** Every entry under `dir` (hidden ones too), as sorted relative paths; folders end with '/'. */
export async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(`${path}/`, ...(await listTree(dir, path)));
    else out.push(path);
  }
  return out.sort();
}

/** The files of the tree with their contents. */
export async function readTree(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const path of await listTree(dir)) if (!path.endsWith('/')) files[path] = await readFile(join(dir, path));
  return files;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
