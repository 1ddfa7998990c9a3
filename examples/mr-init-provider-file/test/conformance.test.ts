import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runConformance, type ConformanceTarget } from '@mr-init/core/testkit';
import provider from '../src/provider.js';

const base = mkdtempSync(join(tmpdir(), 'mr-init-file-kit-'));
afterAll(() => rm(base, { recursive: true, force: true }));

let roots = 0;

/** Each seed is a fresh folder; keys become files below it. */
function target(env: Record<string, string>): ConformanceTarget {
  return {
    provider,
    async seed(files) {
      const root = join(base, `root-${++roots}`);
      await mkdir(root, { recursive: true });
      for (const [key, bytes] of Object.entries(files)) {
        await mkdir(dirname(join(root, key)), { recursive: true });
        await writeFile(join(root, key), bytes);
      }
      return pathToFileURL(`${root}/`);
    },
    objectUri: (root, key) => pathToFileURL(join(fileURLToPath(root), key)),
    // The "container" of a local path is its folder: a missing folder is NotFound, a missing file an empty listing.
    missingContainerUri: async () => pathToFileURL(join(base, 'no-such-folder', 'model.bin')),
    remove: (root, key) => rm(join(fileURLToPath(root), key)),
    // Denied access needs a user that file modes restrict; tests may run as root, whom modes do not stop.
    // test/e2e/third-party.test.ts covers EACCES → PermissionDenied with the CLI running as another user.
    ctx: { env },
  };
}

describe('provider-file conformance', () => {
  runConformance(test, target({}));
});

describe('provider-file conformance with FILE_CHECKSUMS=md5,sha256', () => {
  runConformance(test, target({ FILE_CHECKSUMS: 'md5,sha256' }));
});
