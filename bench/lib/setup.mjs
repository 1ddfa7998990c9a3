// What the bench needs from the machine: Debian packages (installed with apt-get when missing and
// allowed), the built CLI, and a description of the machine and tool versions for the report.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { capture } from './proc.mjs';

/** Each command the bench runs and the Debian package that provides it (first that installs wins). */
const NEEDS = [
  { command: '/usr/sbin/nginx', packages: ['nginx-light', 'nginx'] },
  { command: '/usr/bin/curl', packages: ['curl'] },
  { command: '/usr/bin/aria2c', packages: ['aria2'] },
  { command: '/usr/bin/rclone', packages: ['rclone'] },
  { command: '/usr/bin/time', packages: ['time'] },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function aptGet(args, log) {
  log(`  $ apt-get ${args.join(' ')}`);
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) log(`    failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`);
  return r.status === 0;
}

/**
 * Installs the missing packages with apt-get (running `apt-get update` once, only when an install
 * fails), printing what it installs. Without root or apt-get it says what to install and stops.
 */
export function ensurePackages({ install, log }) {
  const missing = NEEDS.filter((n) => !executable(n.command));
  if (missing.length === 0) return;
  const names = missing.map((n) => n.packages[0]);
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!install || !canApt) {
    throw new Error(`missing ${missing.map((n) => n.command).join(', ')}: install the Debian packages ${names.join(' ')}` +
      (install ? ' (apt-get needs root)' : ' (or run without --no-install)'));
  }
  log(`installing ${names.join(', ')} (apt-get)`);
  let updated = false;
  for (const need of missing) {
    let ok = false;
    for (const pkg of need.packages) {
      const args = ['install', '-y', '--no-install-recommends', pkg];
      ok = aptGet(args, log);
      if (!ok && !updated) {
        updated = true;
        ok = aptGet(['update'], log) && aptGet(args, log);
      }
      if (ok && executable(need.command)) break;
    }
    if (!ok || !executable(need.command)) throw new Error(`could not install ${need.packages.join(' or ')} for ${need.command}`);
  }
}

/** The CLI must be built (`npm run build`): the bench runs it as KServe does, from its dist. */
export function checkBuilt(root) {
  const needed = ['packages/core/dist/commands/download.js', 'plugins/provider-http/dist/provider.js'];
  const absent = needed.filter((p) => !existsSync(join(root, p)));
  if (absent.length) throw new Error(`not built (${absent.join(', ')} missing): run \`npm run build\` first`);
}

function firstLine(text) {
  return text.trim().split('\n')[0] ?? '';
}

/** Versions of the tools compared, for the report. */
export function toolVersions(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
  return {
    'mr-init': `${pkg.version} (node ${process.version})`,
    curl: firstLine(capture('curl', ['--version'])).split(' ').slice(0, 2).join(' '),
    aria2c: firstLine(capture('aria2c', ['--version'])).replace(/^aria2 version /, ''),
    rclone: firstLine(capture('rclone', ['version'])).replace(/^rclone /, ''),
    nginx: (spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr ?? '').trim().replace(/^nginx version: /, ''),
  };
}

/** Free bytes on the file system holding `path`. */
export function freeBytes(path) {
  const s = statfsSync(path);
  return Number(s.bavail) * Number(s.bsize);
}

/** nproc, memory, CPU, kernel, node: what a reader needs to compare runs. */
export function machineInfo(workDir) {
  const mem = totalmem();
  const os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1] ?? 'unknown';
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(mem / 2 ** 30).toFixed(1)} GiB`,
    os: `${os}, kernel ${firstLine(capture('uname', ['-r']))}`,
    node: process.version,
    disk: `${(freeBytes(workDir) / 2 ** 30).toFixed(0)} GiB free at ${workDir}`,
    'load at start': loadavg,
  };
}
