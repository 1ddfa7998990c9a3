/** Settings for one run: read the config file, then lay environment and flags over it. */
import { readConfigFile } from './file.js';
import { resolveSettings, type SettingSources } from './load.js';
import type { Settings } from './settings.js';

export type { Settings } from './settings.js';
export { SETTINGS } from './settings.js';

export async function loadSettings(options: {
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  cwd?: string;
}): Promise<{ settings: Settings; sources: SettingSources; configPath?: string }> {
  const env = options.env ?? process.env;
  const explicit = (options.flags?.config as string | undefined) ?? env.MR_INIT_CONFIG;
  const file = await readConfigFile(explicit || undefined, options.cwd ?? process.cwd());
  const { settings, sources } = resolveSettings({ flags: options.flags, env, file });
  return { settings, sources, configPath: file?.path };
}
