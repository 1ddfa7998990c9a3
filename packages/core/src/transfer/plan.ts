/**
 * The plan: what to fetch and where it lands. Lists the URI (retrying transient failures), refuses any
 * path that could escape the destination, drops folder markers, applies STORAGE_ALLOW_PATTERNS /
 * STORAGE_IGNORE_PATTERNS (fnmatch on the relative path, as KServe) and refuses an empty result.
 */
import type { RemoteObject } from '../providers/contract.js';
import { ErrStorageNotFound, ErrUnsafePath } from '../errors.js';
import { childController, sleep, withDeadline } from './abort.js';
import { matchesPatterns, parsePatterns } from './fnmatch.js';
import { ErrConfig } from '../errors.js';
import type { TransferContext, TransferJob, TransferOptions } from './options.js';
import { backoffDelay, engineError, interrupted, isRetryable, toMrInitError } from './retry.js';
import { providerContext, redact, type RunState } from './run-state.js';
import { normalizeRelativePath, quotePath } from './safe-path.js';

/** One file to fetch: its normalised destination path and the object as listed. */
export interface PlannedFile {
  path: string;
  object: RemoteObject;
}

/** Every object under the job's URI; a transient failure restarts the listing (bounded by `retries`). */
export async function listObjects(job: TransferJob, run: RunState, signal: AbortSignal): Promise<RemoteObject[]> {
  const where = `listing ${redact(run, job.uri.href)} with provider ${job.provider.name}`;
  for (let attempt = 1; ; attempt++) {
    const child = childController(signal);
    let iterator: AsyncIterator<RemoteObject> | undefined;
    try {
      iterator = job.provider.list(job.uri, providerContext(run, child.signal))[Symbol.asyncIterator]();
      const objects: RemoteObject[] = [];
      for (;;) {
        const next = await withDeadline(iterator.next(), run.options.stallTimeoutMs, child.signal, () => {
          const error = engineError('Unavailable', `no answer for ${run.options.stallTimeoutMs} ms`, { stalled: true });
          child.controller.abort(error);
          return error;
        });
        if (next.done) return objects;
        objects.push(next.value);
      }
    } catch (error) {
      if (signal.aborted) throw run.signal.aborted ? interrupted(run.signal) : signal.reason;
      if (!isRetryable(error) || attempt > run.options.retries) throw toMrInitError(error, where);
      const delay = backoffDelay(attempt, run.options.retryMinDelayMs, run.options.retryMaxDelayMs);
      run.ctx.logger.debug('listing failed, retrying', { attempt, delayMs: Math.round(delay), error: String(error) });
      await sleep(delay, signal).catch(() => {
        throw interrupted(run.signal);
      });
    } finally {
      child.dispose();
      // Do not await: a generator stuck inside the provider would never answer.
      void iterator?.return?.()?.catch(() => {});
    }
  }
}

/**
 * The files to fetch from a listing, in listing order. Pure, so the layout rules are unit-tested:
 * folder markers (a trailing '/', or an empty object that is also a folder of another one) are
 * skipped, other empty objects become empty files, and two objects that land on one path are refused.
 */
export function selectFiles(
  objects: readonly RemoteObject[],
  patterns: { allow?: readonly string[]; ignore?: readonly string[] },
  context: string,
): PlannedFile[] {
  const candidates: PlannedFile[] = [];
  for (const object of objects) {
    if (object.path.endsWith('/')) continue;
    candidates.push({ path: normalizeRelativePath(object.path, context), object });
  }
  const folders = new Set<string>();
  for (const { path } of candidates) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  const seen = new Set<string>();
  const files: PlannedFile[] = [];
  for (const file of candidates) {
    if (folders.has(file.path)) {
      if (file.object.size === 0) continue; // a folder marker without the trailing slash (ADLS, some tools)
      throw new ErrUnsafePath(`${context}: ${quotePath(file.path)} is both a file and a folder`);
    }
    if (seen.has(file.path)) {
      throw new ErrUnsafePath(`${context}: two objects land on ${quotePath(file.path)}`);
    }
    seen.add(file.path);
    if (matchesPatterns(file.path, patterns.allow, patterns.ignore)) files.push(file);
  }
  return files;
}

/** Allow/ignore patterns: the options when set, else STORAGE_ALLOW_PATTERNS / STORAGE_IGNORE_PATTERNS. */
export function resolvePatterns(options: Pick<TransferOptions, 'allowPatterns' | 'ignorePatterns'>, env: TransferContext['env']):
{ allow?: string[]; ignore?: string[] } {
  const fromEnv = (name: string): string[] | undefined => {
    try {
      return parsePatterns(env[name]);
    } catch (error) {
      throw new ErrConfig(`${name}: ${(error as Error).message}`, { hint: (error as ErrConfig).hint, cause: error });
    }
  };
  const allow = options.allowPatterns ?? fromEnv('STORAGE_ALLOW_PATTERNS');
  const ignore = options.ignorePatterns ?? fromEnv('STORAGE_IGNORE_PATTERNS');
  return { ...(allow ? { allow } : {}), ...(ignore ? { ignore } : {}) };
}

/** Lists and selects; zero files is ErrStorageNotFound, never an empty success. */
export async function planJob(
  job: TransferJob,
  run: RunState,
  patterns: { allow?: readonly string[]; ignore?: readonly string[] },
  signal: AbortSignal,
): Promise<PlannedFile[]> {
  const where = redact(run, job.uri.href);
  const objects = await listObjects(job, run, signal);
  const files = selectFiles(objects, patterns, where);
  if (files.length === 0) {
    const filtered = Boolean(patterns.allow?.length || patterns.ignore?.length) && objects.length > 0;
    throw new ErrStorageNotFound(filtered
      ? `none of the ${objects.length} objects under ${where} passes STORAGE_ALLOW_PATTERNS / STORAGE_IGNORE_PATTERNS`
      : `no objects found under ${where}`);
  }
  return files;
}
