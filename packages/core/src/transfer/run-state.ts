/** What every job of one run shares: options with defaults filled, the budget and its buffers, progress and the run's signal. */
import type { ProviderContext } from '../providers/contract.js';
import type { ReadBudget } from './budget.js';
import type { BufferPool } from './buffer-pool.js';
import type { TransferContext, TransferOptions } from './options.js';
import type { Progress } from './progress.js';

/** Options with the optional tunables resolved. */
export type ResolvedOptions = TransferOptions & Required<Pick<TransferOptions, 'retryMinDelayMs' | 'retryMaxDelayMs'>>;

export interface RunState {
  options: ResolvedOptions;
  ctx: TransferContext;
  budget: ReadBudget;
  /** Write buffers, one per read in flight, reused across reads. */
  buffers: BufferPool;
  progress: Progress;
  /** Aborted by the caller's signal or when another job failed. */
  signal: AbortSignal;
}

/** The context handed to one provider call, carrying that call's own signal (stall deadline + run). */
export function providerContext(run: RunState, signal: AbortSignal): ProviderContext {
  return { env: run.ctx.env, settings: run.ctx.settings, logger: run.ctx.logger, signal };
}

/** Redacts secrets (SAS, signed URLs, tokens) from text that will be stored or shown. */
export function redact(run: RunState, text: string): string {
  return run.ctx.logger.redactor.redact(text);
}
