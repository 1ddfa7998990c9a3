/**
 * Where an installation's provider plugins are declared. The core never lists plugins itself: the
 * package.json of the installation that contains it (the monorepo root, the image's /app, a user's
 * project) does, through its dependencies, so an image built with two providers has exactly two.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package-name globs of provider plugins: the official scope and third-party names. */
export const PROVIDER_PLUGIN_GLOBS = ['@mr-init/provider-*', 'mr-init-provider-*', '@*/mr-init-provider-*'];

/**
 * The nearest folder above the core package that has a package.json, or undefined (a global install).
 * `MR_INIT_APP_ROOT` overrides it.
 */
export function findAppRoot(fromUrl: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MR_INIT_APP_ROOT) return env.MR_INIT_APP_ROOT;
  let coreRoot = dirname(fileURLToPath(fromUrl));
  while (!existsSync(join(coreRoot, 'package.json'))) {
    const up = dirname(coreRoot);
    if (up === coreRoot) return undefined;
    coreRoot = up;
  }
  for (let dir = dirname(coreRoot); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
