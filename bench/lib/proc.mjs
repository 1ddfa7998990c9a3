// Child processes for the bench: every one bounded by a timeout, measured with GNU time (peak RSS and
// CPU of the process itself), and tracked so an interrupt or an error ends exactly the ones we started.
import { spawn, spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export const GNU_TIME = '/usr/bin/time';

/** Children alive right now: pid → label. Each runs in its own process group (detached). */
const alive = new Map();

/** Kills every child the bench started and that is still running (by process group id). */
export function killAll(signal = 'SIGKILL') {
  for (const pid of alive.keys()) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The environment a tool sees: no proxy, no inherited mr-init/rclone/aria2 settings. */
export function cleanEnv(extra = {}) {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    NO_PROXY: '*',
    ...extra,
  };
}

/**
 * Runs `cmd args` to completion (or until `timeoutMs`, then kills its process group).
 * With `measure`, the command runs under `/usr/bin/time`, whose figures describe the command alone:
 * `rssMiB` is its peak resident set (ru_maxrss), `cpuS` its user + system time.
 * `wallS` is measured here, from spawn to exit (the GNU time wrapper adds about a millisecond).
 */
export async function run(cmd, args, { timeoutMs, env = cleanEnv(), cwd, measure = false, statsFile, label = cmd, capture = 4096 } = {}) {
  if (!timeoutMs) throw new Error(`run ${label}: a timeout is required`);
  const argv = measure ? [GNU_TIME, '-f', '%M %U %S', '-o', statsFile, cmd, ...args] : [cmd, ...args];
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  alive.set(child.pid, label);
  let stdout = '';
  let stderr = '';
  // Only the tail of the output is kept: a failing tool says why at the end.
  const keep = (acc, chunk) => (acc + chunk.toString()).slice(-capture);
  child.stdout.on('data', (d) => { stdout = keep(stdout, d); });
  child.stderr.on('data', (d) => { stderr = keep(stderr, d); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }, timeoutMs);
  const { code, signal } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  }).finally(() => {
    clearTimeout(timer);
    alive.delete(child.pid);
  });
  const wallS = (performance.now() - started) / 1000;
  const result = { code, signal, timedOut, wallS, stdout, stderr, rssMiB: undefined, cpuS: undefined };
  if (measure) {
    const text = await readFile(statsFile, 'utf8').catch(() => '');
    await rm(statsFile, { force: true });
    // GNU time prints "Command exited with non-zero status N" first when the command fails.
    const line = text.trim().split('\n').pop() ?? '';
    const [maxKiB, user, sys] = line.split(/\s+/).map(Number);
    if (Number.isFinite(maxKiB)) result.rssMiB = maxKiB / 1024;
    if (Number.isFinite(user) && Number.isFinite(sys)) result.cpuS = user + sys;
  }
  return result;
}

/** Throws with the command's last words when it did not exit 0. */
export function checkOk(result, what) {
  if (result.code === 0) return result;
  const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
  const tail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
  throw new Error(`${what}: ${why}${tail ? `: ${tail}` : ''}`);
}

/** A short synchronous command's stdout (versions, df), or '' when it fails. */
export function capture(cmd, args, timeoutMs = 10_000) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: cleanEnv() });
  return r.status === 0 ? r.stdout : '';
}
