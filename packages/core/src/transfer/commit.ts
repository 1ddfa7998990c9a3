/**
 * Moving a verified staging tree into DEST. The order makes every crash recoverable and DEST never
 * claims a mix: record the plan in state.json (phase commit) → drop the old marker → delete the old
 * source's files → rename each new file into place → write the new marker → remove staging.
 * A rerun finds phase commit and finishes it (same source) or undoes it (another source).
 */
import { lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrDestination } from '../errors.js';
import { markerPath, type CompletionMarker } from './marker.js';
import { assertNoSymlinkOnPath, normalizeRelativePath, quotePath } from './safe-path.js';
import { syncDir, writeFileDurably, type Staging, type StagingState } from './staging.js';

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/** The normalised path, or undefined when it is unsafe (a marker or state file could have been edited by hand). */
function normalOrUndefined(dest: string, rel: string): string | undefined {
  try {
    return normalizeRelativePath(rel, dest);
  } catch {
    return undefined;
  }
}

/** The path if it is safe inside DEST and reached through no symlink, else undefined. */
async function safeTarget(dest: string, rel: string): Promise<string | undefined> {
  const normal = normalOrUndefined(dest, rel);
  if (normal === undefined) return undefined;
  return assertNoSymlinkOnPath(dest, normal).then(() => normal, () => undefined);
}

/** Deletes files of DEST and then the folders that became empty (never DEST itself). */
async function removeFromDest(dest: string, paths: readonly string[]): Promise<void> {
  const folders = new Set<string>();
  for (const given of paths) {
    const rel = await safeTarget(dest, given);
    if (rel === undefined) continue;
    const target = join(dest, rel);
    const stat = await lstat(target).catch(() => undefined);
    if (stat && !stat.isDirectory()) await unlink(target);
    for (let dir = dirname(rel); dir !== '.' && dir !== ''; dir = dirname(dir)) folders.add(dir);
  }
  const deepestFirst = [...folders].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of deepestFirst) await rmdir(join(dest, dir)).catch(() => {}); // not empty: someone else's files
}

async function dropMarker(dest: string): Promise<void> {
  await unlink(markerPath(dest)).catch(() => {});
  await syncDir(dest);
}

/** Starts a commit: `files` (relative to staging `root`) replace `previous`'s files in DEST. */
export async function commitStaging(
  staging: Staging,
  root: 'data' | 'out',
  files: readonly string[],
  marker: CompletionMarker,
  previous: CompletionMarker | undefined,
): Promise<void> {
  const keep = new Set(files);
  const remove = (previous?.files ?? []).map((f) => f.path).filter((p) => !keep.has(p));
  const state: StagingState = { format: 1, key: marker.key, source: marker.source, phase: 'commit', root, files: [...files], remove, marker };
  await staging.writeState(state);
  await finishCommit(staging, state);
}

/** Finishes a recorded commit; safe to run again after a crash at any point. */
export async function finishCommit(staging: Staging, state: StagingState): Promise<void> {
  const dest = staging.dest;
  const from = state.root === 'out' ? staging.outDir : staging.dataDir;
  await dropMarker(dest);
  await removeFromDest(dest, state.remove ?? []);
  const checked = new Set<string>();
  for (const rel of state.files ?? []) {
    if (normalOrUndefined(dest, rel) !== rel) throw new ErrDestination(`commit into ${dest}: refusing the recorded path ${quotePath(rel)}`);
    const source = join(from, rel);
    const target = join(dest, rel);
    if (!(await exists(source))) {
      if (await exists(target)) continue; // moved before a crash
      throw new ErrDestination(`commit into ${dest}: staged file ${quotePath(rel)} is missing`);
    }
    await assertNoSymlinkOnPath(dest, rel, checked);
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(source, target);
    } catch (error) {
      throw new ErrDestination(`moving ${quotePath(rel)} into ${dest} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  if (state.marker) await writeFileDurably(markerPath(dest), JSON.stringify(state.marker, null, 2) + '\n');
  await staging.wipe();
}

/** Undoes a commit left behind by a crashed run for another source, so DEST never mixes two sources. */
export async function undoCommit(staging: Staging, state: StagingState): Promise<void> {
  const dest = staging.dest;
  const marker = await lstat(markerPath(dest)).catch(() => undefined);
  // With the old marker still present the crash came before anything moved: DEST is intact.
  if (!marker) await removeFromDest(dest, [...(state.files ?? []), ...(state.remove ?? [])]);
  await staging.wipe();
}

/** Resolves a staging folder left in the commit phase: finish it for the same source, undo it otherwise. */
export async function recoverCommit(staging: Staging, key: string): Promise<void> {
  await staging.sanitize();
  const state = await staging.readState();
  if (state?.phase !== 'commit') return;
  if (state.key === key) await finishCommit(staging, state);
  else await undoCommit(staging, state);
}
