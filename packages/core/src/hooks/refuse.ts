/**
 * Ends `mr-init plugins install` with one error line, as every mr-init failure ends, and its exit status.
 * oclif rethrows an error from a hook only when it carries a non-zero exit, which `Errors.exit` gives.
 */
import { Errors, ux } from '@oclif/core';
import type { MrInitError } from '../errors.js';

export function refuse(error: MrInitError): never {
  if (ux.action.running) ux.action.stop('refused');
  process.stderr.write(`${error.toLine()}\n`);
  return Errors.exit(error.exitCode);
}
