/**
 * Finds and reads the config file with cosmiconfig (module name `mr-init`: a `mr-init` key in
 * package.json, .mr-initrc[.json|.yaml|.yml|.js|.mjs|.cjs], mr-init.config.*), or the file named by
 * MR_INIT_CONFIG / --config. cosmiconfig is imported only when a command needs settings.
 */
import { ErrConfig } from '../errors.js';

export async function readConfigFile(explicitPath: string | undefined, cwd: string):
  Promise<{ config: Record<string, unknown>; path: string } | undefined> {
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('mr-init', { searchStrategy: 'none' });
  try {
    const result = explicitPath ? await explorer.load(explicitPath) : await explorer.search(cwd);
    if (!result || result.isEmpty) return undefined;
    return { config: result.config as Record<string, unknown>, path: result.filepath };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message}`;
    throw new ErrConfig(`the config file ${explicitPath ?? `in ${cwd}`} ${reason}`, { cause: error });
  }
}
