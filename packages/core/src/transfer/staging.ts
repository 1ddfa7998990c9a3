/**
 * The hidden staging folder inside the destination (same filesystem, so the final move is a rename):
 *
 *   DEST/.mr-init-staging/state.json           which source it holds and the phase (download | commit)
 *   DEST/.mr-init-staging/data/<path>          the files as they download, sized up front
 *   DEST/.mr-init-staging/done.jsonl           files verified so far (see journal.ts)
 *   DEST/.mr-init-staging/journal/<id>.jsonl   completed ranges of each multi-part file in progress
 *   DEST/.mr-init-staging/out/                 the unpacked tree when a single archive was fetched
 *
 * A rerun for the same source resumes from it; a rerun for another source wipes it first.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CompletionMarker } from './marker.js';
import { STAGING_DIR } from './safe-path.js';

/** state.json. In the commit phase it lists what is being moved, so a crash mid-commit can be finished or undone. */
export interface StagingState {
  format: 1;
  /** sourceKey() of the job the staging belongs to. */
  key: string;
  /** The redacted source, for people reading the folder. */
  source: string;
  phase: 'download' | 'commit';
  /** The kernel's boot id when the download started: what staging holds is trusted only within that boot. */
  bootId?: string;
  /** Commit phase: the staging sub-folder the files move from. */
  root?: 'data' | 'out';
  /** Commit phase: relative paths moving into DEST. */
  files?: string[];
  /** Commit phase: files of the previous content of DEST to delete. */
  remove?: string[];
  /** Commit phase: the marker to write once every file is in place. */
  marker?: CompletionMarker;
}

/** Writes a small file durably: temp file, fsync, rename, then fsync of the folder. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await syncDir(dirname(path));
}

/** fsync of a folder, so a rename or an unlink in it survives a node crash (best effort). */
export async function syncDir(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // some filesystems refuse fsync on folders; the rename itself is still atomic
  }
}

export class Staging {
  readonly root: string;
  readonly dataDir: string;
  readonly journalDir: string;
  readonly outDir: string;
  readonly statePath: string;
  readonly donePath: string;

  constructor(readonly dest: string) {
    this.root = join(dest, STAGING_DIR);
    this.dataDir = join(this.root, 'data');
    this.journalDir = join(this.root, 'journal');
    this.outDir = join(this.root, 'out');
    this.statePath = join(this.root, 'state.json');
    this.donePath = join(this.root, 'done.jsonl');
  }

  dataPath(rel: string): string {
    return join(this.dataDir, rel);
  }

  journalPath(rel: string): string {
    return join(this.journalDir, `${createHash('sha1').update(rel).digest('hex').slice(0, 20)}.jsonl`);
  }

  async readState(): Promise<StagingState | undefined> {
    try {
      const state = JSON.parse(await readFile(this.statePath, 'utf8')) as StagingState;
      return state.format === 1 && typeof state.key === 'string' ? state : undefined;
    } catch {
      return undefined;
    }
  }

  async writeState(state: StagingState): Promise<void> {
    await writeFileDurably(this.statePath, JSON.stringify(state));
  }

  /** Removes anything but a real folder at the staging name: a planted symlink must not redirect reads or writes. */
  async sanitize(): Promise<void> {
    const stat = await lstat(this.root).catch(() => undefined);
    if (stat && !stat.isDirectory()) await rm(this.root, { force: true });
  }

  /**
   * Makes the staging folder ready for `key`: kept when it already holds that source and was written in
   * this boot, wiped otherwise. Data files are never flushed (see journal.ts): after a reboot their pages
   * may be lost, so nothing written before it is trusted.
   */
  async prepare(key: string, source: string): Promise<{ resumed: boolean }> {
    await this.sanitize();
    const state = await this.readState();
    const bootId = await currentBootId();
    const resumed = state?.key === key && state.phase === 'download' && state.bootId === bootId;
    if (!resumed) await this.wipe();
    await mkdir(this.dataDir, { recursive: true });
    await mkdir(this.journalDir, { recursive: true });
    if (!resumed) await this.writeState({ format: 1, key, source, phase: 'download', ...(bootId ? { bootId } : {}) });
    return { resumed };
  }

  async wipe(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  /** Creates the parent folders of a staging file. */
  async ensureParent(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
  }

  /** Rewrites an empty unpack folder. */
  async resetOut(): Promise<void> {
    await rm(this.outDir, { recursive: true, force: true });
    await mkdir(this.outDir, { recursive: true });
  }
}

let bootIdRead: Promise<string | undefined> | undefined;

/** This boot of the machine (Linux), or undefined where the kernel does not say; read once per process. */
export function currentBootId(): Promise<string | undefined> {
  bootIdRead ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim() || undefined, () => undefined);
  return bootIdRead;
}

/** Every non-folder entry below `dir` (files, and links an archive made), with its lstat size, sorted. */
export async function walkFiles(dir: string): Promise<Array<{ path: string; size: number }>> {
  const found: Array<{ path: string; size: number }> = [];
  const visit = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(child);
      else found.push({ path: child, size: (await lstat(join(dir, child))).size });
    }
  };
  await visit('');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

