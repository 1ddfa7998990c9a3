/**
 * One connection budget and one memory budget for the whole run, shared by every file and every job:
 * a read starts only when a connection slot and its buffer bytes are both free. Grants are FIFO, so a
 * large request is not starved by small ones.
 */

interface Waiter {
  bytes: number;
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** What a read needs from a budget: a slot and buffer bytes, given back by the returned function. */
export interface ReadBudget {
  readonly connections: number;
  /** Most reads ever granted at once (for logs and tests). */
  readonly maxActive: number;
  clampBytes(bytes: number): number;
  acquire(bytes: number, signal: AbortSignal): Promise<() => void>;
}

export class Budget implements ReadBudget {
  private active = 0;
  private used = 0;
  private readonly queue: Waiter[] = [];
  /** Most reads ever granted at once (for logs and tests). */
  maxActive = 0;

  constructor(readonly connections: number, readonly memoryBytes: number) {}

  /** Clamps a buffer request so that a single read can always run. */
  clampBytes(bytes: number): number {
    return Math.max(1, Math.min(bytes, this.memoryBytes));
  }

  /** Waits for a slot and `bytes` of buffer; the returned function gives both back (idempotent). */
  acquire(bytes: number, signal: AbortSignal): Promise<() => void> {
    const need = this.clampBytes(bytes);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.fits(need)) return Promise.resolve(this.grant(need));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes: need, resolve, reject, signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
          this.drain();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private fits(bytes: number): boolean {
    return this.active < this.connections && this.used + bytes <= this.memoryBytes;
  }

  private grant(bytes: number): () => void {
    this.active += 1;
    this.used += bytes;
    this.maxActive = Math.max(this.maxActive, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.used -= bytes;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.bytes)) {
      const waiter = this.queue.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.grant(waiter.bytes));
    }
  }
}

/**
 * A job's own cap inside the shared budget (a provider's `limits().maxConnections`): a read takes one of
 * the job's slots first, then a shared one, always in that order, so two jobs cannot deadlock.
 */
export class CappedBudget implements ReadBudget {
  private readonly local: Budget;

  constructor(private readonly shared: ReadBudget, readonly connections: number) {
    this.local = new Budget(connections, Number.MAX_SAFE_INTEGER);
  }

  get maxActive(): number {
    return this.local.maxActive;
  }

  clampBytes(bytes: number): number {
    return this.shared.clampBytes(bytes);
  }

  async acquire(bytes: number, signal: AbortSignal): Promise<() => void> {
    const releaseLocal = await this.local.acquire(1, signal);
    try {
      const releaseShared = await this.shared.acquire(bytes, signal);
      return () => {
        releaseShared();
        releaseLocal();
      };
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }
}
