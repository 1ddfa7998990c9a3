/**
 * What `mr-init plugins install` accepts: a package that is an oclif plugin with a valid
 * `mrInitProvider` block for this contract major, whose entry file is in the package. Also turns the
 * local paths npm accepts (a tarball or a folder) into the `file:` form @oclif/plugin-plugins passes
 * to npm: given a bare path, the plugin-plugins command would try GitHub instead.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrProviderIncompatible, ErrUsage } from '../errors.js';
import { PROVIDER_API_VERSION } from '../providers/contract.js';
import { manifestProblem } from '../providers/descriptor.js';

/** The package files a check needs: package.json, and whether a path inside the package exists. */
export interface PackageContents {
  pjson: Record<string, unknown>;
  has(relativePath: string): boolean;
}

/** Why the package cannot be installed as a provider, or undefined when it can. */
export function installProblem(pkg: PackageContents): string | undefined {
  const { pjson } = pkg;
  if (pjson.oclif === undefined) {
    return 'its package.json has no "oclif" key; add "oclif": {} so mr-init can load it as a plugin';
  }
  const block = pjson.mrInitProvider;
  if (block === undefined) return 'it is not an mr-init storage provider: its package.json has no "mrInitProvider" block';
  const problem = manifestProblem(block);
  if (problem) return `its "mrInitProvider" block is invalid: ${problem}`;
  const { apiVersion, entry } = block as { apiVersion: number; entry: string };
  if (apiVersion !== PROVIDER_API_VERSION) {
    return `it implements provider API v${apiVersion}, but this mr-init supports v${PROVIDER_API_VERSION}; install a release built for v${PROVIDER_API_VERSION}`;
  }
  if (!pkg.has(entry)) return `its entry ${entry} is not in the package; build it before packing or publishing`;
  return undefined;
}

/** The refusal of a package that is not a usable provider. */
export function refusal(name: string, problem: string, uninstalled: boolean): ErrProviderIncompatible {
  return new ErrProviderIncompatible(`cannot install ${name}: ${problem}${uninstalled ? ' (it was uninstalled again)' : ''}`, {
    hint: 'See docs/writing-a-provider.md for what a provider package needs.',
  });
}

/** The refusal of a local path that is not a package at all. */
export function badPath(spec: string, problem: string): ErrUsage {
  return new ErrUsage(`cannot install ${spec}: ${problem}`, {
    hint: 'Give a package name, the path of a tarball made by `npm pack`, or the path of a package folder.',
  });
}

const FILENAME = /\.(tgz|tar\.gz|tar)$/i;

/**
 * The absolute path a plugin spec names when it is local (npm's rules: it starts with `.`, `/` or `~/`,
 * ends in .tgz/.tar.gz/.tar, or is a `file:` spec), else undefined.
 */
export function localPath(spec: string, cwd: string): string | undefined {
  if (/^file:/i.test(spec)) {
    const rest = spec.slice(5);
    return rest.startsWith('//') ? fileURLToPath(spec) : expand(rest, cwd);
  }
  if (/^(\.|~\/|\/)/.test(spec) || FILENAME.test(spec)) return expand(spec, cwd);
  return undefined;
}

function expand(path: string, cwd: string): string {
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** The spec the user typed, recovered from what plugin-plugins parsed it into. */
export function typedSpec(plugin: { type: 'npm'; name: string } | { type: 'repo'; url: string }): string {
  if (plugin.type === 'npm') return plugin.name;
  // Input with a '/' but no ':' becomes a GitHub URL; its remainder is what was typed.
  return plugin.url.startsWith('https://github.com/') ? plugin.url.slice('https://github.com/'.length) : plugin.url;
}

/** Reads a local tarball's or folder's package.json and file list, without installing it. */
export async function readLocalPackage(path: string): Promise<PackageContents> {
  if (statSync(path).isDirectory()) {
    return {
      pjson: JSON.parse(await readFile(join(path, 'package.json'), 'utf8')) as Record<string, unknown>,
      has: (p) => existsSync(join(path, p)),
    };
  }
  const { t } = await import('tar');
  const files = new Set<string>();
  const chunks: Buffer[] = [];
  await t({
    file: path,
    onReadEntry(entry) {
      // npm tarballs hold one top folder (usually `package/`), whatever its name.
      const inside = entry.path.replace(/^[^/]+\//, '');
      files.add(posix.normalize(inside));
      if (inside === 'package.json') entry.on('data', (c: Buffer) => chunks.push(c));
    },
  });
  if (chunks.length === 0) throw new Error('it has no package.json');
  return { pjson: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, has: (p) => files.has(posix.normalize(p)) };
}

/**
 * The plugin objects oclif had before the current install (set by the preinstall hook), so the
 * postinstall hook, which oclif gives no data, can tell which plugin the install just added.
 */
export const pendingInstall: { before?: ReadonlySet<object> } = {};
