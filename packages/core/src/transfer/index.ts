/**
 * The transfer engine: every `src dest` pair of one run, fetched in parallel under one connection
 * budget and one memory budget, verified, staged and committed atomically (design §6).
 */
import { resolve, sep } from 'node:path';
import { ErrConfig, ErrDestination, ErrInternal, ErrUsage, isMrInitError, type MrInitError } from '../errors.js';
import type { RemoteObject, StorageProvider } from '../providers/contract.js';
import { childController } from './abort.js';
import { Budget } from './budget.js';
import { BufferPool } from './buffer-pool.js';
import { reportSummary, runJob } from './job.js';
import {
  DEFAULT_TRANSFER_OPTIONS, WRITE_BATCH_BYTES, type TransferContext, type TransferJob, type TransferOptions, type TransferSummary,
} from './options.js';
import { planJob, resolvePatterns } from './plan.js';
import { createProgress } from './progress.js';
import { interrupted } from './retry.js';
import type { ResolvedOptions, RunState } from './run-state.js';

export * from './options.js';
export { MARKER_FILE, STAGING_DIR } from './safe-path.js';
export type { CompletionMarker, MarkerEntry } from './marker.js';

const PROGRESS_MODES = ['auto', 'bar', 'log', 'none'];

/** Fills the optional tunables and refuses values the engine cannot work with (ErrConfig naming the option). */
export function resolveTransferOptions(options: TransferOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    ...options,
    retryMinDelayMs: options.retryMinDelayMs ?? DEFAULT_TRANSFER_OPTIONS.retryMinDelayMs!,
    retryMaxDelayMs: options.retryMaxDelayMs ?? DEFAULT_TRANSFER_OPTIONS.retryMaxDelayMs!,
  };
  const check = (name: keyof TransferOptions, value: number, min: number): void => {
    if (!Number.isFinite(value) || value < min) throw new ErrConfig(`transfer option ${name} must be a number >= ${min}, got ${value}`);
  };
  check('connections', resolved.connections, 1);
  if (!Number.isInteger(resolved.connections)) throw new ErrConfig(`transfer option connections must be an integer, got ${resolved.connections}`);
  check('partSize', resolved.partSize, 64 * 1024);
  check('memoryBudget', resolved.memoryBudget, 64 * 1024);
  check('retries', resolved.retries, 0);
  check('stallTimeoutMs', resolved.stallTimeoutMs, 50);
  check('progressIntervalMs', resolved.progressIntervalMs, 100);
  check('retryMinDelayMs', resolved.retryMinDelayMs, 0);
  check('retryMaxDelayMs', resolved.retryMaxDelayMs, resolved.retryMinDelayMs);
  if (!PROGRESS_MODES.includes(resolved.progress)) {
    throw new ErrConfig(`transfer option progress must be one of ${PROGRESS_MODES.join(', ')}, got ${String(resolved.progress)}`);
  }
  return resolved;
}

/** Two jobs writing into one folder (or one inside the other) would fight over staging and markers. */
function checkDestinations(jobs: readonly TransferJob[]): void {
  const dests = jobs.map((j) => resolve(j.dest));
  for (let i = 0; i < dests.length; i++) {
    for (let k = i + 1; k < dests.length; k++) {
      const [a, b] = [dests[i]!, dests[k]!];
      if (a === b || a.startsWith(b + sep) || b.startsWith(a + sep)) {
        throw new ErrUsage(`destinations ${jobs[i]!.dest} and ${jobs[k]!.dest} overlap; give each source its own folder`);
      }
    }
  }
}

/** Pooled write buffers of a read's full batch, as many as the memory budget holds. */
function bufferPoolFor(budget: Budget): BufferPool {
  const size = budget.clampBytes(WRITE_BATCH_BYTES);
  return new BufferPool(size, Math.max(1, Math.min(budget.connections, Math.floor(budget.memoryBytes / size))));
}

/** Any failure as an MrInitError: filesystem errors are the destination's, the rest is a bug. */
function asMrInitError(error: unknown): MrInitError {
  if (isMrInitError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new ErrDestination(`file system error: ${(error as Error).message}`, { cause: error });
  }
  return new ErrInternal(`transfer failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/**
 * Runs every job; resolves with one summary per job (in order), or rejects with the first job's
 * failure as an MrInitError after stopping the others (their staging stays, a rerun resumes).
 * Each distinct provider is closed once at the end.
 */
export async function runTransfers(jobs: TransferJob[], options: TransferOptions, ctx: TransferContext): Promise<TransferSummary[]> {
  const resolved = resolveTransferOptions(options);
  checkDestinations(jobs);
  const root = childController(ctx.signal);
  const progress = await createProgress(resolved.progress, resolved.progressIntervalMs, ctx.logger);
  const budget = new Budget(resolved.connections, resolved.memoryBudget);
  const run: RunState = { options: resolved, ctx, budget, buffers: bufferPoolFor(budget), progress, signal: root.signal };
  try {
    const settled = await Promise.allSettled(jobs.map((job) => runJob(job, run, root.signal).catch((error: unknown) => {
      if (!root.signal.aborted) root.controller.abort(error);
      throw error;
    })));
    progress.stop();
    if (ctx.signal?.aborted) throw interrupted(ctx.signal);
    if (settled.some((s) => s.status === 'rejected')) throw asMrInitError(root.signal.reason);
    const summaries = settled.map((s) => (s as PromiseFulfilledResult<TransferSummary>).value);
    for (const summary of summaries) reportSummary(run, summary);
    ctx.logger.debug('transfer budget', { maxConnectionsInUse: run.budget.maxActive });
    return summaries;
  } finally {
    progress.stop();
    root.dispose();
    await closeProviders(jobs.map((j) => j.provider), ctx);
  }
}

/** One entry of a plan, for `mr-init resolve --files`. */
export interface PlanEntry {
  path: string;
  /** -1 when the backend does not tell. */
  size: number;
  object: RemoteObject;
}

/** The files a download of `uri` would fetch (listing, path safety, patterns, folder markers), without fetching. */
export async function listPlan(provider: StorageProvider, uri: URL, options: TransferOptions, ctx: TransferContext): Promise<PlanEntry[]> {
  const resolved = resolveTransferOptions(options);
  const root = childController(ctx.signal);
  const progress = await createProgress('none', resolved.progressIntervalMs, ctx.logger);
  const budget = new Budget(1, resolved.memoryBudget);
  const run: RunState = { options: resolved, ctx, budget, buffers: bufferPoolFor(budget), progress, signal: root.signal };
  const job: TransferJob = { source: uri.href, uri, provider, providerPackage: provider.name, dest: '.' };
  try {
    const files = await planJob(job, run, resolvePatterns(resolved, ctx.env), root.signal);
    return files.map((f) => ({ path: f.path, size: f.object.size, object: f.object }));
  } finally {
    root.dispose();
  }
}

async function closeProviders(providers: readonly StorageProvider[], ctx: TransferContext): Promise<void> {
  for (const provider of new Set(providers)) {
    try {
      await provider.close?.();
    } catch (error) {
      ctx.logger.debug('closing a provider failed', { provider: provider.name, error: String(error) });
    }
  }
}
