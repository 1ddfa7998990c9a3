/**
 * Turns any failure into the one line users see: `Code: what was asked, what was found. What to do.`
 * It is the last line on stderr (KServe's FallbackToLogsOnError makes the log tail the termination
 * message) and is also written to the termination-log file when there is one.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ErrInternal, ErrUsage, isMrInitError, type MrInitError } from '../errors.js';

/** oclif's own argument/flag parsing errors carry `oclif.exit` 2 and a `parse` member. */
interface OclifParseError extends Error {
  oclif?: { exit?: number };
  parse?: unknown;
}

export function toMrInitError(error: unknown): MrInitError {
  if (isMrInitError(error)) return error;
  const oclifError = error as OclifParseError;
  if (oclifError && typeof oclifError === 'object' && oclifError.parse !== undefined) {
    return new ErrUsage(firstLine(oclifError.message), { cause: error });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ErrInternal(`unexpected failure: ${firstLine(message)}`, { cause: error });
}

/** Writes the line to the termination log: the default path only when it exists (as in a pod). */
export function writeTerminationLog(line: string, path: string, explicit: boolean): void {
  if (!explicit && !existsSync(path)) return;
  try {
    // Kubernetes keeps at most 4096 bytes of a termination message.
    writeFileSync(path, line.slice(0, 4000) + '\n');
  } catch {
    // A read-only or missing termination log must not hide the real error.
  }
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}
