/** Shared test tools: a KServe-style secret dir, a context with a capturing logger, draining list/read. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ByteRange, Logger, ProviderContext, RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';

/** A logger that keeps every line (message and fields) as text, for "no secret in any log line" checks. */
export interface CapturingLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturingLogger {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>): void => {
    lines.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn') };
}

const dirs: string[] = [];

/** Writes one file per key, as KServe mounts the HDFS secret, and returns the directory. */
export async function secretDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hdfscreds-'));
  dirs.push(dir);
  for (const [name, value] of Object.entries(files)) await writeFile(join(dir, name), value);
  return dir;
}

/** Removes every secret dir made so far. */
export async function removeSecretDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A context over `env` (a fresh object: each test's configuration is its own). */
export function context(env: Record<string, string>, extra: Partial<ProviderContext> = {}): ProviderContext & { logger: CapturingLogger } {
  return { env: { ...env }, settings: {}, logger: captureLogger(), signal: new AbortController().signal, ...extra } as
    ProviderContext & { logger: CapturingLogger };
}

/** Context for a secret dir holding `files`. */
export async function secretContext(files: Record<string, string>, extra: Partial<ProviderContext> = {}): Promise<ProviderContext & { logger: CapturingLogger }> {
  return context({ HDFS_SECRET_DIR: await secretDir(files) }, extra);
}

export async function listAll(uri: string, ctx: ProviderContext): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const obj of provider.list(new URL(uri), ctx)) out.push(obj);
  return out;
}

export async function readAll(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await provider.read(obj, range, ctx)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Awaits a failure and returns it (the test fails if `promise` resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error & { kind?: string; retryable?: boolean; hint?: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { kind?: string; retryable?: boolean };
  }
  throw new Error('expected a failure, got success');
}
