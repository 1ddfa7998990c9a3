/**
 * A local-filesystem provider for file:// URIs: the conformance kit's reference. It lists a file or a
 * directory tree, reads ranges with fs streams, reports md5 checksums and pins versions (mtime + size).
 * A folder named `denied-by-policy` simulates an access policy (tests run as root, and file modes deny
 * root nothing): every path through it fails with kind PermissionDenied.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProviderError, ProviderErrorKind, RemoteObject, StorageProvider } from '../../src/providers/contract.js';
import type { ConformanceTarget } from '../../src/testkit/index.js';

export function providerError(kind: ProviderErrorKind, message: string, retryable = false): ProviderError {
  return Object.assign(new Error(message), { kind, retryable });
}

function fromFsError(error: unknown, what: string): ProviderError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return providerError('NotFound', `${what}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return providerError('PermissionDenied', `${what}: permission denied`);
  if (code === 'EMFILE' || code === 'EBUSY' || code === 'EAGAIN') return providerError('Unavailable', `${what}: ${code}`, true);
  return providerError('Unexpected', `${what}: ${(error as Error).message}`);
}

const versionOf = (s: Stats): string => `${s.mtimeMs}-${s.size}`;

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

export const DENIED_FOLDER = 'denied-by-policy';

export function createReferenceProvider(): StorageProvider {
  const denied = (path: string): boolean => path.split(sep).includes(DENIED_FOLDER);
  const describe = async (file: string, path: string): Promise<RemoteObject> => {
    const [s, bytes] = await Promise.all([stat(file), readFile(file)]);
    return { path, size: s.size, location: file, version: versionOf(s), checksums: [{ algorithm: 'md5', value: createHash('md5').update(bytes).digest('hex') }] };
  };
  return {
    name: 'reference-fs',
    capabilities: { rangedRead: true, prefixListing: true, checksums: ['md5'], versionPinning: true },
    async *list(uri) {
      const target = fileURLToPath(uri).replace(/[/\\]+$/, '');
      if (denied(target)) throw providerError('PermissionDenied', `list ${uri.href}: access denied by policy`);
      let s: Stats | undefined;
      try {
        s = await statOrUndefined(target);
        // The "container" of a file path is its parent folder: a missing parent is NotFound, a missing leaf is empty.
        if (!s && !(await statOrUndefined(dirname(target)))) throw providerError('NotFound', `list ${uri.href}: folder ${dirname(target)} does not exist`);
      } catch (error) {
        throw (error as ProviderError).kind ? error : fromFsError(error, `list ${uri.href}`);
      }
      if (!s) return;
      if (s.isFile()) {
        yield await describe(target, basename(target));
        return;
      }
      for await (const file of walk(target)) {
        const path = relative(target, file).split(sep).join('/');
        if ((await stat(file)).size === 0) continue; // KServe skips zero-byte objects
        yield await describe(file, path);
      }
    },
    async read(obj, range) {
      if (denied(obj.location)) throw providerError('PermissionDenied', `read ${obj.path}: access denied by policy`);
      let handle;
      try {
        handle = await open(obj.location, 'r');
      } catch (error) {
        throw fromFsError(error, `read ${obj.path}`);
      }
      const s = await handle.stat();
      if (obj.version !== undefined && versionOf(s) !== obj.version) {
        await handle.close();
        throw providerError('VersionChanged', `read ${obj.path}: version ${obj.version} is now ${versionOf(s)}`);
      }
      return handle.createReadStream(range ? { start: range.start, end: range.end - 1 } : {}) as Readable;
    },
  };
}

/** A conformance target over temporary folders; `cleanup()` removes them. */
export function createReferenceTarget(provider?: StorageProvider): ConformanceTarget & { cleanup(): Promise<void> } {
  const base = mkdtempSync(join(tmpdir(), 'mr-init-kit-'));
  const deniedDir = join(base, DENIED_FOLDER);
  let n = 0;
  return {
    provider: provider ?? createReferenceProvider(),
    async seed(files) {
      const root = join(base, `root-${++n}`);
      await mkdir(root, { recursive: true });
      for (const [key, bytes] of Object.entries(files)) {
        await mkdir(dirname(join(root, key)), { recursive: true });
        await writeFile(join(root, key), bytes);
      }
      return pathToFileURL(root + '/');
    },
    objectUri: (root, key) => pathToFileURL(join(fileURLToPath(root), key)),
    async deniedUri() {
      await mkdir(deniedDir, { recursive: true });
      await writeFile(join(deniedDir, 'secret.bin'), 'secret');
      return pathToFileURL(join(deniedDir, 'secret.bin'));
    },
    missingContainerUri: async () => pathToFileURL(join(base, 'no-such-folder', 'model.bin')),
    remove: (root, key) => rm(join(fileURLToPath(root), key)),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
