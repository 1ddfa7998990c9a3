/**
 * Progress for the whole run (every job together): a bar on a TTY, otherwise one log line every few
 * seconds (files, bytes, rate, ETA), through the logger so --log-format json and quiet apply.
 */
import type { CliLogger } from '../output/logger.js';
import type { TransferOptions } from './options.js';

export interface Progress {
  /** A job's plan is known. */
  addTotals(files: number, bytes: number): void;
  /** Bytes now on disk; `fetched` is false for bytes found from an earlier run. */
  addBytes(bytes: number, fetched: boolean): void;
  /** Bytes written then discarded (a file restarted): they no longer count as done. */
  removeBytes(bytes: number): void;
  fileDone(): void;
  stop(): void;
}

const KiB = 1024;

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= KiB && unit < units.length - 1) {
    value /= KiB;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Decimal megabytes per second, as download tools print it. */
export function formatRate(bytes: number, seconds: number): string {
  return `${(seconds > 0 ? bytes / seconds / 1e6 : 0).toFixed(1)} MB/s`;
}

class Counters {
  filesTotal = 0;
  filesDone = 0;
  bytesTotal = 0;
  bytesDone = 0;
  bytesFetched = 0;
  readonly started = Date.now();

  seconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  etaSeconds(): number | undefined {
    const rate = this.bytesFetched / Math.max(this.seconds(), 0.001);
    return rate > 0 && this.bytesTotal >= this.bytesDone ? Math.round((this.bytesTotal - this.bytesDone) / rate) : undefined;
  }
}

type Renderer = (c: Counters, final: boolean) => void;

class Reporter implements Progress {
  private readonly counters = new Counters();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly render: Renderer | undefined, intervalMs: number, private readonly onStop?: () => void) {
    if (render) {
      this.timer = setInterval(() => render(this.counters, false), intervalMs);
      this.timer.unref();
    }
  }

  addTotals(files: number, bytes: number): void {
    this.counters.filesTotal += files;
    this.counters.bytesTotal += Math.max(0, bytes);
  }

  addBytes(bytes: number, fetched: boolean): void {
    this.counters.bytesDone += bytes;
    if (fetched) this.counters.bytesFetched += bytes;
  }

  removeBytes(bytes: number): void {
    this.counters.bytesDone = Math.max(0, this.counters.bytesDone - bytes);
  }

  fileDone(): void {
    this.counters.filesDone += 1;
  }

  private stopped = false;

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.render?.(this.counters, true);
    this.onStop?.();
  }
}

function logRenderer(logger: CliLogger): Renderer {
  return (c, final) => {
    if (final) return; // the summary line follows
    const eta = c.etaSeconds();
    if (logger.format === 'json') {
      logger.info('progress', {
        files: c.filesDone, filesTotal: c.filesTotal, bytes: c.bytesDone, bytesTotal: c.bytesTotal,
        rateMBps: Number((c.bytesFetched / Math.max(c.seconds(), 0.001) / 1e6).toFixed(1)), etaSeconds: eta ?? null,
      });
      return;
    }
    logger.info(`progress: ${c.filesDone}/${c.filesTotal} files, ${formatBytes(c.bytesDone)} of ${formatBytes(c.bytesTotal)}, ` +
      `${formatRate(c.bytesFetched, c.seconds())}, ETA ${eta === undefined ? '?' : `${eta} s`}`);
  };
}

async function barRenderer(stream: NodeJS.WritableStream): Promise<{ render: Renderer; stop: () => void }> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream, hideCursor: true, clearOnComplete: false, fps: 5,
    format: '{bar} {percentage}% | {done} of {all} | {files} files | {rate} | ETA {etaText}',
  }, cliProgress.Presets.shades_classic);
  let started = false;
  const render: Renderer = (c) => {
    const payload = {
      done: formatBytes(c.bytesDone), all: formatBytes(c.bytesTotal), files: `${c.filesDone}/${c.filesTotal}`,
      rate: formatRate(c.bytesFetched, c.seconds()), etaText: c.etaSeconds() === undefined ? '?' : `${c.etaSeconds()} s`,
    };
    const total = Math.max(c.bytesTotal, c.bytesDone, 1);
    if (!started) {
      bar.start(total, c.bytesDone, payload);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(c.bytesDone, payload);
    }
  };
  return { render, stop: () => { if (started) bar.stop(); } };
}

/** The reporter for `mode` ('auto': a bar when stderr is a TTY and the log is text, log lines otherwise). */
export async function createProgress(
  mode: TransferOptions['progress'],
  intervalMs: number,
  logger: CliLogger,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): Promise<Progress> {
  const visible = logger.enabled('info');
  const chosen = mode === 'auto' ? (stream.isTTY && logger.format === 'text' ? 'bar' : 'log') : mode;
  if (!visible || chosen === 'none') return new Reporter(undefined, intervalMs);
  if (chosen === 'log') return new Reporter(logRenderer(logger), Math.max(100, intervalMs));
  const { render, stop } = await barRenderer(stream);
  return new Reporter(render, 250, stop);
}
