/**
 * What a rerun may trust, kept in the staging folder as JSON lines appended only after the data they
 * describe was written:
 *
 * - `done.jsonl`, one per job: every verified file with the header of the object it came from, once
 *   its bytes were written and checked. Group-committed (one fsync for the lines that queued up
 *   meanwhile), so many small files do not cost several fsyncs each.
 * - `journal/<id>.jsonl`, one per multi-part file in progress: its header, then one line per completed
 *   byte range, written once the range's writes returned.
 *
 * Neither waits for the data to reach the disk: the page cache outlives the process, so both are exact
 * after kill -9, OOM or an init-container restart, and the download is not held to the disk's flush
 * speed (an fdatasync per file cost as much time as the download itself). Only a reboot can lose
 * written pages, and a reboot changes the kernel's boot id: staging is dropped whole when it was written
 * in another boot (see Staging.prepare). A header that no longer matches the listed object (size,
 * version, checksums, part size) discards everything.
 */
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';

/** The object some bytes belong to. */
export interface JournalHeader {
  v: 1;
  path: string;
  size: number;
  version?: string;
  partSize: number;
  /** The listed checksums ("algorithm:value,…"): what pins an object that has no version. */
  checksums?: string;
}

function headerId(h: Partial<JournalHeader>): string {
  return JSON.stringify([h.v, h.path, h.size, h.version ?? null, h.partSize, h.checksums ?? null]);
}

/** Reads JSON lines, skipping a line torn by a crash. */
async function readLines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const entries: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line));
    } catch {
      // torn write
    }
  }
  return entries;
}

/** An append-only JSON-lines file whose appends are fsync'd, batched while an fsync runs. */
class AppendLog {
  private pending: Array<{ line: string; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly fh: FileHandle) {}

  static async open(path: string, truncate: boolean): Promise<AppendLog> {
    // O_APPEND: after a truncate, writes still land at the (new) end, never after a hole.
    const fh = await open(path, 'a');
    if (truncate) await fh.truncate(0);
    return new AppendLog(fh);
  }

  append(entry: object): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: JSON.stringify(entry) + '\n', resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  async truncate(): Promise<void> {
    await this.drain();
    await this.fh.truncate(0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    await this.fh.close();
  }

  private async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.fh.write(batch.map((b) => b.line).join(''));
        await this.fh.sync();
        batch.forEach((b) => b.resolve());
      } catch (error) {
        batch.forEach((b) => b.reject(error));
      }
    }
    this.flushing = undefined;
  }
}

/** The verified files of one staging folder. */
export class DoneLog {
  private constructor(private readonly log: AppendLog, private readonly sizes: Map<string, number>) {}

  static async open(path: string): Promise<DoneLog> {
    const sizes = new Map<string, number>();
    for (const entry of await readLines(path)) {
      const e = entry as { header?: JournalHeader; size?: number };
      if (e.header && typeof e.size === 'number') sizes.set(headerId(e.header), e.size);
    }
    return new DoneLog(await AppendLog.open(path, false), sizes);
  }

  /** The size on disk of a file verified for exactly this object, if it was. */
  sizeOf(header: JournalHeader): number | undefined {
    return this.sizes.get(headerId(header));
  }

  /** Records a verified file (call after its data was flushed). */
  async record(header: JournalHeader, size: number): Promise<void> {
    await this.log.append({ header, size });
    this.sizes.set(headerId(header), size);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/** Completed byte ranges of one multi-part file. */
export class FileJournal {
  private queue: Array<[number, number]> = [];
  private checkpoint: Promise<void> | undefined;
  private failure: unknown;

  private constructor(private readonly log: AppendLog, readonly path: string, readonly done: Set<string>) {}

  /** Ranges are keyed "start-end". */
  static key(start: number, end: number): string {
    return `${start}-${end}`;
  }

  /** Opens the journal, keeping its ranges only when its header matches `header`. */
  static async open(path: string, header: JournalHeader): Promise<FileJournal> {
    const [first, ...rest] = await readLines(path);
    const matches = first !== undefined && headerId(first as JournalHeader) === headerId(header);
    const done = new Set<string>();
    for (const entry of matches ? rest : []) {
      const range = (entry as { done?: unknown }).done;
      if (Array.isArray(range) && range.length === 2) done.add(FileJournal.key(Number(range[0]), Number(range[1])));
    }
    const journal = new FileJournal(await AppendLog.open(path, !matches), path, done);
    if (!matches) await journal.log.append(header);
    return journal;
  }

  /** Forgets every range (the file restarts from byte 0, possibly for another version). */
  async reset(header: JournalHeader): Promise<void> {
    await this.log.truncate();
    this.done.clear();
    await this.log.append(header);
  }

  /**
   * Queues a completed range without waiting: a background checkpoint journals every range queued
   * meanwhile. Parts never wait on it.
   */
  complete(start: number, end: number): void {
    this.queue.push([start, end]);
    this.checkpoint ??= this.flush();
  }

  /** Waits for queued ranges to be journalled; rethrows a failed checkpoint. */
  async settle(): Promise<void> {
    while (this.checkpoint) await this.checkpoint;
    if (this.failure !== undefined) throw this.failure;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        const batch = this.queue;
        this.queue = [];
        await Promise.all(batch.map(([start, end]) => this.log.append({ done: [start, end] })));
        for (const [start, end] of batch) this.done.add(FileJournal.key(start, end));
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.checkpoint = undefined;
    }
  }

  /** Journals what is queued (best effort: this runs on the way out, after an abort too), then closes. */
  async close(): Promise<void> {
    await this.settle().catch(() => {});
    await this.log.close();
  }

  /** Closes and deletes the journal (the file is verified, or restarts under another layout). */
  async discard(): Promise<void> {
    await this.close();
    await unlink(this.path).catch(() => {});
  }
}
