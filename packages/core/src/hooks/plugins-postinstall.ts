/**
 * `plugins:postinstall` (run by @oclif/plugin-plugins after npm installed a plugin and oclif loaded it):
 * refuses a package that is not a usable provider, uninstalling it again through `plugins uninstall`,
 * so a plugin that mr-init would skip at every run is never left installed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Hook } from '@oclif/core';
import { installProblem, pendingInstall, refusal } from './install-check.js';
import { refuse } from './refuse.js';

/** oclif's Hooks map has no entry for this event (plugin-plugins passes no data), so it is typed here. */
type PostinstallHook = (this: Hook.Context, options: { config: Config }) => Promise<void>;

const postinstall: PostinstallHook = async function ({ config }) {
  const before = pendingInstall.before;
  pendingInstall.before = undefined;
  // The plugin objects the preinstall hook did not see; without that snapshot, everything user-installed.
  const added = config.getPluginsList().filter((p) => (before ? !before.has(p) : p.root.startsWith(config.dataDir)));
  for (const plugin of added) {
    const problem = installProblem({ pjson: plugin.pjson as unknown as Record<string, unknown>, has: (p) => existsSync(join(plugin.root, p)) });
    if (!problem) continue;
    await config.runCommand('plugins:uninstall', [plugin.name]);
    refuse(refusal(`${plugin.name}@${plugin.version}`, problem, true));
  }
};

export default postinstall;
