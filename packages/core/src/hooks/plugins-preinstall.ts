/**
 * `plugins:preinstall` (run by @oclif/plugin-plugins before npm): remembers the plugins loaded so far,
 * and checks a local tarball or folder before anything is installed. A local path reaches npm as the
 * absolute `file:` spec of a tarball (a folder is packed first, see pack-folder.ts): plugin-plugins would
 * send a path with a '/' to GitHub, and npm runs in mr-init's data folder, where a relative path would
 * not resolve. Packages from a registry are checked after npm fetched them, by the postinstall hook.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook } from '@oclif/core';
import { badPath, installProblem, localPath, pendingInstall, readLocalPackage, refusal, typedSpec, type PackageContents } from './install-check.js';
import { packFolder } from './pack-folder.js';
import { refuse } from './refuse.js';

const preinstall: Hook<'plugins:preinstall'> = async function (options) {
  pendingInstall.before = new Set(options.config.getPluginsList());
  const { plugin } = options;
  const spec = typedSpec(plugin);
  const path = localPath(spec, process.cwd());
  if (path === undefined) return;
  if (!existsSync(path)) refuse(badPath(spec, `there is no file or folder ${path}`));
  let pkg: PackageContents;
  try {
    pkg = await readLocalPackage(path);
  } catch (error) {
    refuse(badPath(spec, `${path} is not an npm package tarball or folder (${(error as Error).message})`));
  }
  const problem = installProblem(pkg);
  if (problem) refuse(refusal(typeof pkg.pjson.name === 'string' ? pkg.pjson.name : spec, problem, false));
  let tarball = path;
  if (statSync(path).isDirectory()) {
    try {
      tarball = await packFolder(path, join(options.config.dataDir, 'packed'));
    } catch (error) {
      refuse(badPath(spec, `cannot pack the folder ${path}: ${(error as Error).message}`));
    }
  }
  // plugin-plugins reads this same object after the hook returns: the rewrite is how the path reaches npm.
  Object.assign(plugin, { type: 'repo', url: `file:${tarball}` });
};

export default preinstall;
