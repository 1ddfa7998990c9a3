#!/usr/bin/env node
// Assembles a self-contained mr-init installation with only the chosen providers: what the image
// copies to /app. The installation's package.json names exactly those plugins, which is what
// decides (through oclif) the providers mr-init finds, and only their production dependencies are
// installed, at the versions the repository's package-lock.json pins (the versions the tests ran).
// Usage: node scripts/assemble.mjs --providers s3,http --out /app
// Needs a built tree (npm run build). Runs without Docker, so CI tests it as it is. Once `npm ci` has
// filled the npm cache (as the image's build stage does), it needs no network.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const available = readdirSync(join(root, 'plugins')).filter((d) => d.startsWith('provider-')).map((d) => d.slice('provider-'.length)).sort();

class AssembleError extends Error {}
function fail(message) {
  throw new AssembleError(message);
}
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

try {
  main();
} catch (error) {
  // A failed npm or tar has already printed its reason; its first line names the command.
  process.stderr.write(`assemble: ${error instanceof AssembleError ? error.message : String(error?.message ?? error).split('\n')[0]}\n`);
  process.exit(2);
}

function main() {
  const { values } = parseArgs({ options: { providers: { type: 'string', default: available.join(',') }, out: { type: 'string' } } });
  if (!values.out) fail('--out <folder> is required');
  const chosen = [...new Set(values.providers.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))];
  if (chosen.length === 0) fail(`--providers names none; choose from: ${available.join(', ')}`);
  const unknown = chosen.filter((p) => !available.includes(p));
  if (unknown.length) fail(`unknown provider${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; choose from: ${available.join(', ')}`);

  const out = resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} is not empty`);

  const workspaces = ['packages/core', ...chosen.map((p) => `plugins/provider-${p}`)].map((dir) => ({ dir, pkg: readJson(join(root, dir, 'package.json')) }));
  for (const { dir } of workspaces.slice(1)) {
    // Plugins have no prepack: they must be built already, or the tarball has no code.
    if (!existsSync(join(root, dir, 'dist', 'provider.js'))) fail(`${dir} is not built; run npm run build first`);
  }
  const [core] = workspaces;
  const coreManifest = join(root, core.dir, 'oclif.manifest.json');
  const devManifest = existsSync(coreManifest);

  const created = !existsSync(out);
  mkdirSync(out, { recursive: true });
  const packs = mkdtempSync(join(tmpdir(), 'mr-init-packs-'));
  try {
    // npm pack gives exactly what a registry install would: the `files` list, and core's prepack, which
    // builds it and writes the oclif manifest (its postpack deletes it again). Lifecycle scripts print to
    // stdout, so npm's stdout goes to our stderr and the tarballs are found by name.
    execFileSync('npm', ['pack', '--pack-destination', packs, '--loglevel=error', ...workspaces.flatMap((w) => ['--workspace', w.dir])],
      { cwd: root, stdio: ['ignore', 2, 'inherit'], env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' } });
    for (const w of workspaces) {
      w.tarball = join(packs, `${w.pkg.name.replace(/^@/, '').replace('/', '-')}-${w.pkg.version}.tgz`);
      if (!existsSync(w.tarball)) fail(`npm pack did not produce ${w.tarball}`);
    }
    // Without its manifest, oclif would import every command at each start just to list them.
    let manifest;
    try {
      manifest = execFileSync('tar', ['-xzOf', core.tarball, 'package/oclif.manifest.json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      fail(`${core.pkg.name}'s tarball has no oclif.manifest.json (did its prepack run?)`);
    }
    // `npm run build` keeps a manifest in the repo for fast development starts; postpack just removed it.
    if (devManifest && !existsSync(coreManifest)) writeFileSync(coreManifest, manifest);

    const dependencies = Object.fromEntries(workspaces.map((w) => [w.pkg.name, `file:${w.tarball}`]));
    const installation = {
      name: 'mr-init-installation',
      version: core.pkg.version,
      private: true,
      description: `mr-init with providers: ${chosen.join(', ')}`,
      type: 'module',
      dependencies,
    };
    writeFileSync(join(out, 'package.json'), JSON.stringify(installation, null, 2) + '\n');
    writeFileSync(join(out, 'package-lock.json'), JSON.stringify(lockSubset(installation, workspaces), null, 2) + '\n');
    writeFileSync(join(out, '.npmrc'), 'fund=false\naudit=false\nupdate-notifier=false\n');
    execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--loglevel=error'], { cwd: out, stdio: ['ignore', 2, 'inherit'] });
  } catch (error) {
    // Leave no half-built installation behind for a Dockerfile COPY to pick up.
    if (created) rmSync(out, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(packs, { recursive: true, force: true });
  }
  // Point package.json at the installed versions, and drop the lockfile: both named the temporary tarballs
  // (node_modules/.package-lock.json still records the installed tree).
  const installed = readJson(join(out, 'package.json'));
  for (const name of Object.keys(installed.dependencies)) installed.dependencies[name] = readJson(join(out, 'node_modules', name, 'package.json')).version;
  writeFileSync(join(out, 'package.json'), JSON.stringify(installed, null, 2) + '\n');
  rmSync(join(out, 'package-lock.json'));
  process.stdout.write(`assembled mr-init ${installed.version} with ${chosen.map((p) => `@mr-init/provider-${p}`).join(', ')} in ${out}\n`);
}

/**
 * The installation's lockfile: the part of the repository's package-lock.json that the chosen workspaces
 * reach through production edges, at the same node_modules paths (a workspace's own nested folder moves
 * under its package), so Node resolves every import exactly as it does in the repository.
 */
function lockSubset(installation, chosenWorkspaces) {
  const lock = readJson(join(root, 'package-lock.json'));
  const entries = lock.packages;
  const packages = { '': { name: installation.name, version: installation.version, dependencies: installation.dependencies } };
  const relocate = (path) => {
    const owner = chosenWorkspaces.find((w) => path.startsWith(`${w.dir}/node_modules/`));
    return owner ? `node_modules/${owner.pkg.name}${path.slice(owner.dir.length)}` : path;
  };
  // Node's lookup: the nearest node_modules/<name> at or above `from`.
  const find = (from, name) => {
    for (let dir = from; ; dir = posix.dirname(dir) === '.' ? '' : posix.dirname(dir)) {
      const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (entries[key]) return key;
      if (!dir) return undefined;
    }
  };
  const edges = (pkg) => [
    ...Object.keys(pkg.dependencies ?? {}).map((name) => [name, false]),
    ...Object.keys(pkg.optionalDependencies ?? {}).map((name) => [name, true]),
    // npm installs peers unless they are optional.
    ...Object.keys(pkg.peerDependencies ?? {}).filter((name) => !pkg.peerDependenciesMeta?.[name]?.optional).map((name) => [name, false]),
  ];
  const queue = [];
  for (const w of chosenWorkspaces) {
    const { dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, bin, engines, license } = w.pkg;
    packages[`node_modules/${w.pkg.name}`] = JSON.parse(JSON.stringify({
      version: w.pkg.version, resolved: `file:${w.tarball}`, license, dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, bin, engines,
    }));
    queue.push({ at: w.dir, pkg: w.pkg });
  }
  while (queue.length > 0) {
    const { at, pkg } = queue.shift();
    for (const [name, optional] of edges(pkg)) {
      const found = find(at, name);
      if (!found) {
        if (optional) continue;
        fail(`package-lock.json has no ${name} for ${at}: run npm install in the repository`);
      }
      const entry = entries[found];
      if (entry.link) {
        // Another workspace: only the core may be one, and it is always installed.
        if (!chosenWorkspaces.some((w) => w.dir === entry.resolved)) fail(`${at} depends on the workspace ${name}, which is not being assembled`);
        continue;
      }
      const target = relocate(found);
      if (packages[target]) continue;
      const { dev, devOptional, peer, ...kept } = entry;
      // Flags describe the repository's graph; in production only "optional" (platform binaries) matters.
      if (devOptional) kept.optional = true;
      packages[target] = kept;
      queue.push({ at: found, pkg: entry });
    }
  }
  return { name: installation.name, version: installation.version, lockfileVersion: 3, requires: true, packages };
}
