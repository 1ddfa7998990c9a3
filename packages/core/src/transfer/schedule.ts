/**
 * Files of one job in parallel: up to `connections` files at a time, each splitting into parts that
 * compete for the run's shared budget (so many small files and one huge file both fill the
 * connections, and several jobs share them). The first failure stops the job's other files.
 */
import { childController } from './abort.js';
import { fetchFile, type FetchedFile, type FileTask } from './fetch-file.js';
import type { PlannedFile } from './plan.js';
import type { RunState } from './run-state.js';

/** Fetches every file; results come back in plan order. */
export async function fetchAll(
  files: readonly PlannedFile[],
  task: (file: PlannedFile, signal: AbortSignal) => FileTask,
  run: RunState,
  signal: AbortSignal,
): Promise<FetchedFile[]> {
  const job = childController(signal);
  const results: FetchedFile[] = new Array(files.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < files.length) {
      const index = next++;
      try {
        results[index] = await fetchFile(task(files[index]!, job.signal));
      } catch (error) {
        if (!failure) {
          failure = { error };
          job.controller.abort(error);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(files.length, run.options.connections) }, worker));
  } finally {
    job.dispose();
  }
  if (failure) throw failure.error;
  return results;
}
