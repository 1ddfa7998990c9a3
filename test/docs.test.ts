/** The tables in docs/ that mirror code (error classes, settings) must match it. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './support/cli.js';

test('docs | docs/errors.md and docs/configuration.md match the error classes and the settings table', () => {
  // Exits non-zero, naming the stale file, when `node scripts/gen-docs.mjs` would change anything.
  expect(() => execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/gen-docs.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
});
