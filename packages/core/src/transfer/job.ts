/**
 * One `src dest` pair: recover a crashed commit, plan, skip when DEST is already complete, fetch into
 * staging, unpack a single archive, commit, report.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ErrDestination, ErrStorageNotFound } from '../errors.js';
import { archiveKind, unpackArchive } from './archive/index.js';
import { commitStaging, recoverCommit } from './commit.js';
import { CappedBudget } from './budget.js';
import { DoneLog } from './journal.js';
import { fetchAll } from './schedule.js';
import { isUpToDate, objectEntry, readMarker, sourceKey, type CompletionMarker, type MarkerEntry } from './marker.js';
import type { TransferJob, TransferSummary } from './options.js';
import { listObjects, planJob, resolvePatterns, selectFiles, type PlannedFile } from './plan.js';
import { formatBytes, formatRate } from './progress.js';
import { providerContext, redact, type RunState } from './run-state.js';
import { assertNoSymlinkOnPath, normalizeRelativePath, quotePath } from './safe-path.js';
import { currentBootId, Staging, walkFiles } from './staging.js';

/** The destination folder, created if missing, with symlinks resolved (so staging sits on the same filesystem). */
export async function prepareDest(dest: string): Promise<string> {
  try {
    await mkdir(resolve(dest), { recursive: true });
    return await realpath(resolve(dest));
  } catch (error) {
    throw new ErrDestination(`cannot create the destination ${dest}: ${(error as Error).message}`, { cause: error });
  }
}

/** Every string inside `value` redacted (registry info may carry a signed artifact URI). */
function redactDeep(run: RunState, value: unknown): unknown {
  if (typeof value === 'string') return redact(run, value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(run, v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(run, v)]));
  }
  return value;
}

/** The run as this job sees it: its own backend settings, and the provider's connection cap when the user set one. */
function withProviderLimits(job: TransferJob, shared: RunState, signal: AbortSignal): RunState {
  const run = job.settings ? { ...shared, ctx: { ...shared.ctx, settings: job.settings } } : shared;
  const max = job.provider.limits?.(providerContext(run, signal)).maxConnections;
  if (max === undefined || !Number.isInteger(max) || max < 1 || max >= run.budget.connections) return run;
  run.ctx.logger.debug(`${job.provider.name}: at most ${max} connections, as its settings ask`);
  return { ...run, budget: new CappedBudget(run.budget, max) };
}

/** Logs the final line of a job: files, bytes, seconds, MB/s (or that nothing was needed). */
export function reportSummary(run: RunState, summary: TransferSummary): void {
  const { logger } = run.ctx;
  const fields = { source: redact(run, summary.source), dest: summary.dest, files: summary.files, bytes: summary.bytes,
    bytesFetched: summary.bytesFetched, seconds: summary.seconds, upToDate: summary.upToDate };
  const files = `${summary.files} file${summary.files === 1 ? '' : 's'}`;
  const text = summary.upToDate
    ? `${summary.dest} is already complete for ${fields.source} (${files}); nothing fetched`
    : `downloaded ${files}, ${formatBytes(summary.bytesFetched)} fetched of ${formatBytes(summary.bytes)}, ` +
      `in ${summary.seconds.toFixed(1)} s (${formatRate(summary.bytesFetched, summary.seconds)}) to ${summary.dest}`;
  if (logger.format === 'json') logger.info(summary.upToDate ? 'up to date' : 'download complete', fields);
  else logger.info(text);
}

export async function runJob(job: TransferJob, shared: RunState, signal: AbortSignal): Promise<TransferSummary> {
  const started = Date.now();
  const run = withProviderLimits(job, shared, signal);
  const { options, ctx } = run;
  const dest = await prepareDest(job.dest);
  const key = sourceKey(job);
  const staging = new Staging(dest);
  await recoverCommit(staging, key);

  const patterns = resolvePatterns(options, ctx.env);
  const files = await planJob(job, run, patterns, signal);
  const checked = new Set<string>();
  for (const file of files) await assertNoSymlinkOnPath(dest, file.path, checked);
  const single = files.length === 1 ? files[0]! : undefined;
  const unpack = options.unpack && single !== undefined && archiveKind(basename(single.path), single.object.contentType) !== undefined;
  const bytes = files.reduce((sum, f) => sum + Math.max(0, f.object.size), 0);
  const previous = await readMarker(dest);
  const seconds = (): number => (Date.now() - started) / 1000;

  const bootId = await currentBootId();
  if (await isUpToDate(previous, key, files, unpack, dest, bootId)) {
    await staging.wipe(); // whatever it holds (a stale download of another source) is not needed
    return { source: job.source, dest, files: previous!.files.length, bytes, bytesFetched: 0, seconds: seconds(), upToDate: true };
  }

  run.progress.addTotals(files.length, bytes);
  const { resumed } = await staging.prepare(key, redact(run, job.source));
  if (resumed) ctx.logger.info(`resuming the download into ${dest}`);
  const where = redact(run, job.uri.href);
  const relist = async (path: string): Promise<PlannedFile['object']> => {
    const found = selectFiles(await listObjects(job, run, signal), patterns, where).find((f) => f.path === path);
    if (!found) throw new ErrStorageNotFound(`${quotePath(path)} disappeared from ${where} during the download`);
    return found.object;
  };
  const done = await DoneLog.open(staging.donePath);
  let fetched;
  try {
    fetched = await fetchAll(files, (file, fileSignal) => ({ run, job, staging, done, file, signal: fileSignal, relist }), run, signal);
  } finally {
    await done.close();
  }

  let root: 'data' | 'out' = 'data';
  let local: MarkerEntry[] = fetched.map((f) => ({ ...objectEntry({ path: f.path, object: f.object }), size: f.size }));
  if (unpack) {
    await staging.resetOut();
    const kind = archiveKind(basename(single!.path), single!.object.contentType);
    const result = await unpackArchive(staging.dataPath(single!.path), staging.outDir, { logger: ctx.logger, ...(kind ? { kind } : {}) });
    ctx.logger.info(`unpacked ${quotePath(single!.path)}: ${result.files} files, ${formatBytes(result.bytes)}`);
    local = await walkFiles(staging.outDir);
    // The unpacker keeps entries inside the folder; the names must also be ones DEST can take (not ours).
    for (const entry of local) normalizeRelativePath(entry.path, `archive ${quotePath(single!.path)}`);
    root = 'out';
  }
  const marker: CompletionMarker = {
    format: 1, key, source: redact(run, job.source), uri: where, provider: job.provider.name,
    providerPackage: job.providerPackage,
    ...(job.resolved ? { resolved: redactDeep(run, job.resolved) as Record<string, unknown> } : {}),
    completedAt: new Date().toISOString(),
    ...(bootId ? { bootId } : {}),
    objects: fetched.map((f) => objectEntry({ path: f.path, object: f.object })),
    files: local,
    ...(unpack ? { unpacked: single!.path } : {}),
  };
  await commitStaging(staging, root, local.map((f) => f.path), marker, previous);
  return {
    source: job.source, dest, files: local.length, bytes: fetched.reduce((sum, f) => sum + f.size, 0),
    bytesFetched: fetched.reduce((sum, f) => sum + f.fetched, 0), seconds: seconds(), upToDate: false,
  };
}
