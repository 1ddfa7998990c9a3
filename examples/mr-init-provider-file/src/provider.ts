/**
 * mr-init-provider-file: `file://` URIs, and the local paths KServe accepts (the core turns `/models/iris`
 * and `./iris` into file:// URLs). The entry module named by `mrInitProvider.entry`: it default-exports
 * the provider. It uses only Node's own modules, so there is no SDK client to build lazily.
 */
import type { StorageProvider } from '@mr-init/core';
import { listFiles } from './list.js';
import { readFileOptions, SUPPORTED_CHECKSUMS } from './options.js';
import { readFile } from './read.js';

export const DEBUG_NAMESPACE = 'mr-init:file';

/** Runtime dependencies besides Node itself: none. */
export const DRIVER_DEPENDENCIES = [] as const;

const provider: StorageProvider = {
  name: 'file',
  capabilities: {
    rangedRead: true,
    prefixListing: true,
    // What list() may report: only when FILE_CHECKSUMS asks for it (hashing costs a full read).
    checksums: SUPPORTED_CHECKSUMS,
    versionPinning: true,
  },
  async *list(uri, ctx) {
    // Inside the generator, so a bad option fails the iteration like any other listing error.
    yield* listFiles(uri, readFileOptions(ctx), ctx.logger);
  },
  read(obj, range, ctx) {
    return readFile(obj, range, ctx);
  },
};

export default provider;
