/**
 * Builds a throwaway installation (an "app root") whose package.json depends on the chosen provider
 * packages, with node_modules symlinks into this repo: exactly how an image or a user's project
 * installs mr-init, so discovery sees only those providers.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const OFFICIAL_PLUGINS = ['http', 's3', 'gcs', 'azure', 'hdfs'] as const;

/** `packages` maps a package name to its folder (absolute). */
export function makeAppRoot(packages: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mr-init-app-'));
  const dependencies: Record<string, string> = { '@mr-init/core': '*' };
  const all = { '@mr-init/core': join(REPO_ROOT, 'packages/core'), ...packages };
  for (const [name, folder] of Object.entries(all)) {
    dependencies[name] = '*';
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(folder, link, 'dir');
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mr-init-test-app', private: true, dependencies }, null, 2));
  return root;
}

export function officialPlugin(name: (typeof OFFICIAL_PLUGINS)[number]): Record<string, string> {
  return { [`@mr-init/provider-${name}`]: join(REPO_ROOT, 'plugins', `provider-${name}`) };
}
