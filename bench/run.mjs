#!/usr/bin/env node
// `npm run bench`: mr-init against curl, aria2c and rclone over HTTP, on servers this script starts on
// 127.0.0.1 (nginx from apt: /fast/ uncapped, /capped/ at 64 MiB/s per connection). Interleaved rounds,
// medians, ratios to curl, peak RSS, start-up. Prints a markdown report and writes it to bench/results/.
// See bench/README.md. Options: --quick, --rounds N, --scenarios a,b, --variant 'label=--flag value',
// --work DIR (keep fixtures there between runs), --no-install.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeFixture } from './lib/fixtures.mjs';
import { CAP, startNginx } from './lib/nginx.mjs';
import { capture, checkOk, killAll, run } from './lib/proc.mjs';
import { report, rssSection, speedSection, startupSection, summarize, targets } from './lib/report.mjs';
import { runScenario, runStartup } from './lib/scenario.mjs';
import { checkBuilt, ensurePackages, freeBytes, machineInfo, toolVersions } from './lib/setup.mjs';
import { GiB, MiB, median, sizeLabel } from './lib/stats.mjs';
import { aria2c, curl, mrInit, rclone } from './lib/tools.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/core/bin/run.js');
const ALL_SCENARIOS = ['uncapped', 'capped', 'rss', 'startup', 'gcs'];

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'rss-rounds': { type: 'string' },
    scenarios: { type: 'string', default: ALL_SCENARIOS.join(',') },
    variant: { type: 'string', multiple: true, default: [] },
    work: { type: 'string' },
    results: { type: 'string', default: join(ROOT, 'bench/results') },
    'no-install': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`npm run bench [-- options]
  --quick                 small files, 1 round (for development; written to bench/results/quick-http.md)
  --rounds N              rounds of the speed scenarios (default 3)
  --rss-rounds N          rounds of the RSS scenario (default 3)
  --scenarios LIST        any of ${ALL_SCENARIOS.join(',')} (default: all)
  --variant 'L=ARGS'      also run mr-init with extra flags, labelled L (repeatable), e.g. 'c32=--connections 32';
                          leading NAME=value words are environment variables ('n=NODE_OPTIONS=--x')
  --work DIR              make fixtures in DIR and keep them for the next run (default: a temp dir, deleted)
  --no-install            do not apt-get install missing tools
`);
  process.exit(0);
}

const quick = opts.quick;
const scenarios = new Set(opts.scenarios.split(',').map((s) => s.trim()).filter(Boolean));
for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${ALL_SCENARIOS.join(', ')}`);
const positive = (text, fallback, name) => {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const ROUNDS = positive(opts.rounds, quick ? 1 : 3, 'rounds');
const RSS_ROUNDS = positive(opts['rss-rounds'], quick ? 1 : 3, 'rss-rounds');
const STARTUP_RUNS = quick ? 3 : 10;
const SIZES = quick
  ? { uncapped: 256 * MiB, capped: 128 * MiB, rssSmall: 256 * MiB, rssBig: 1 * GiB }
  : { uncapped: 2 * GiB, capped: 512 * MiB, rssSmall: 2 * GiB, rssBig: 8 * GiB };
const variants = opts.variant.map((v) => {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new Error(`--variant ${v}: expected LABEL=ARGS`);
  const label = v.slice(0, eq);
  // Leading NAME=value words are environment variables, as in a shell: 'c32=MR_INIT_CONNECTIONS=32'.
  const words = v.slice(eq + 1).split(/\s+/).filter(Boolean);
  const env = {};
  while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const word = words.shift();
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  return mrInit({ cli: CLI, extraArgs: words, env, label: `mr-init ${label}`, id: `mr-init-${label}` });
});

const log = (line) => process.stderr.write(`${line}\n`);
let stopping = false;
const cleanups = [];
async function cleanup() {
  killAll();
  while (cleanups.length) await cleanups.pop()().catch((e) => log(`cleanup: ${e.message}`));
}
/** Thrown between steps once a signal asked the bench to stop; `main` unwinds and cleans up once. */
class Stopped extends Error {}
const checkpoint = () => {
  if (stopping) throw new Stopped('stopped');
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second signal: leave now
    stopping = true;
    log(`\n${signal}: stopping the bench (the running tool is killed, then nginx and the temp files go)`);
    killAll();
  });
}

async function main() {
  checkBuilt(ROOT);
  ensurePackages({ install: !opts['no-install'], log });

  const temp = await mkdtemp(join(tmpdir(), 'mr-init-bench-'));
  cleanups.push(() => rm(temp, { recursive: true, force: true }));
  const dataDir = opts.work ? join(opts.work, 'data') : join(temp, 'data');
  const outRoot = join(opts.work ?? temp, 'out');
  await mkdir(dataDir, { recursive: true });
  await mkdir(outRoot, { recursive: true });
  // nginx's workers drop root to `nobody`: they must be able to reach and read the fixtures.
  for (const dir of [temp, dataDir, ...(opts.work ? [opts.work] : [])]) await chmod(dir, 0o755);

  // What the disk must hold: every fixture, plus one output at a time, plus 1 GiB of slack.
  const wanted = {
    uncapped: scenarios.has('uncapped') || scenarios.has('rss') ? SIZES.uncapped : 0,
    capped: scenarios.has('capped') ? SIZES.capped : 0,
    big: scenarios.has('rss') ? SIZES.rssBig : 0,
  };
  const free = freeBytes(outRoot);
  const skipped = [];
  const fixtureName = (key, size) => `${key}-${sizeLabel(size).replace(' ', '')}.bin`;
  // A fixture kept in --work already takes its space: only the missing ones need more.
  const present = (key) => (existsSync(join(dataDir, fixtureName(key, wanted[key]))) ? wanted[key] : 0);
  const fixturesOf = (w) => ['uncapped', 'capped', 'big'].reduce((sum, key) => sum + (w[key] ? w[key] - present(key) : 0), 0);
  if (wanted.big && fixturesOf(wanted) + wanted.big + GiB > free) {
    skipped.push({ size: sizeLabel(SIZES.rssBig), reason: `the disk has ${sizeLabel(free)} free, it needs ${sizeLabel(fixturesOf(wanted) + wanted.big + GiB)}` });
    log(`skipping the ${sizeLabel(SIZES.rssBig)} RSS run: ${skipped[0].reason}`);
    wanted.big = 0;
  }
  if (fixturesOf(wanted) + Math.max(wanted.uncapped, wanted.capped) + GiB > free) throw new Error(`not enough disk: ${sizeLabel(free)} free`);

  const info = machineInfo(outRoot);
  const versions = toolVersions(ROOT);
  const files = {};
  for (const [key, size] of Object.entries(wanted)) {
    if (!size) continue;
    const name = fixtureName(key, size);
    const started = Date.now();
    files[key] = { name, size, sha256: await makeFixture(join(dataDir, name), size, () => stopping) };
    checkpoint();
    log(`fixture ${name}: ${sizeLabel(size)} in ${((Date.now() - started) / 1000).toFixed(1)} s, sha256 ${files[key].sha256.slice(0, 16)}…`);
  }
  await run('sync', [], { timeoutMs: 600_000 }); // the fixtures' writeback must not fall into the first runs
  checkpoint();

  const nginx = await startNginx({ prefix: join(temp, 'nginx'), dataDir, log });
  cleanups.push(() => nginx.stop());
  checkpoint();
  const rcloneConf = join(temp, 'rclone.conf');
  await writeFile(rcloneConf, '');
  const tools = [mrInit({ cli: CLI }), ...variants, curl, aria2c, rclone(rcloneConf)];
  const entry = (tool, path, file, key = tool.id) => ({
    key, tool, label: tool.label, url: `${nginx.baseUrl}${path}${file.name}`, name: file.name, size: file.size, sha256: file.sha256,
  });

  const results = {};
  const speed = async (id, title, path, file) => {
    log(`\n${title}`);
    const entries = tools.map((t) => entry(t, path, file));
    const ran = await runScenario({ id, entries, rounds: ROUNDS, outRoot, log, shouldStop: () => stopping });
    return { id, title, path, size: file.size, rounds: ROUNDS, entries: ran };
  };
  if (scenarios.has('uncapped')) results.uncapped = await speed('uncapped', `One ${sizeLabel(files.uncapped.size)} file, uncapped`, '/fast/', files.uncapped);
  checkpoint();
  if (scenarios.has('capped')) {
    results.capped = await speed('capped', `One ${sizeLabel(files.capped.size)} file, capped at ${CAP.replace('m', ' MiB/s')} per connection`, '/capped/', files.capped);
  }
  checkpoint();
  if (scenarios.has('rss')) {
    log('\nPeak RSS of mr-init');
    const mr = tools[0];
    const entries = [entry(mr, '/fast/', files.uncapped, 'rss-small'), ...(files.big ? [entry(mr, '/fast/', files.big, 'rss-big')] : [])];
    const ran = await runScenario({ id: 'rss', entries, rounds: RSS_ROUNDS, outRoot, log, shouldStop: () => stopping });
    results.rss = { entries: ran, rounds: RSS_ROUNDS, skipped, bigSize: SIZES.rssBig };
  }
  checkpoint();
  if (scenarios.has('startup')) {
    log('\nStart-up');
    results.startup = await runStartup({ cli: CLI, runs: STARTUP_RUNS, outRoot, log, shouldStop: () => stopping });
  }
  checkpoint();

  info['load at end'] = capture('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' ');
  const now = new Date();
  const stamp = now.toISOString().slice(0, 16).replace('T', ' ');
  const settings = {
    mode: quick ? 'quick (small files, 1 round: for development, not for figures)' : 'full',
    'rounds (speed / RSS)': `${ROUNDS} / ${RSS_ROUNDS}, the order rotating each round`,
    'start-up runs': STARTUP_RUNS,
    server: `nginx on 127.0.0.1, sendfile on, keep-alive; /fast/ uncapped, /capped/ \`limit_rate ${CAP}\` (64 MiB/s per request)`,
    fixtures: `random bytes (${Object.values(files).map((f) => sizeLabel(f.size)).join(', ')}) in a temp dir on the disk the tools write to, served from the page cache`,
    units: 'MiB/s = 2^20 bytes per second of wall time (spawn to exit); × curl = curl\'s median time / the tool\'s (higher is faster)',
  };
  const sections = [
    targets(results),
    results.uncapped && speedSection(results.uncapped, 1.3),
    results.capped && speedSection(results.capped, 12),
    rssSection(results.rss),
    startupSection(results.startup),
  ];
  const startupCost = results.startup ? median(results.startup[1].times) - median(results.startup[0].times) : undefined;
  const notes = [
    'Each run writes into a fresh folder, deleted afterwards; every tool\'s output is checked against the fixture\'s sha256 once per scenario (its first good run) and by size on every run.',
    '"to disk" adds `sync -d <file>` after the tool exits. no tool flushes its data itself (mr-init records the kernel boot id, so that a rerun after a reboot fetches again instead), so each leaves dirty pages in the page cache. "to disk" compares everyone at the same end point.',
    'peak RSS is the process\'s ru_maxrss from GNU time (`/usr/bin/time -f %M`); CPU is user + system time.',
    ...(Number.isFinite(startupCost) ? [`every mr-init time includes its start-up (${startupCost.toFixed(2)} s over bare Node, see Start-up).`] : []),
    'The machine is shared with other jobs: single figures are noisy; ratios come from interleaved rounds, so load falls on every tool alike.',
  ];
  const text = report({
    title: `mr-init HTTP benchmark, ${stamp} UTC${quick ? ' (quick)' : ''}`,
    info, versions, settings, sections, tools, notes,
  });
  process.stdout.write(`\n${text}`);
  await mkdir(opts.results, { recursive: true });
  const base = quick ? 'quick-http' : `${now.toISOString().slice(0, 10)}-http`;
  await writeFile(join(opts.results, `${base}.md`), text);
  const raw = JSON.stringify({ settings, info, versions, results, summaries: summaries(results) }, (k, v) => (k === 'tool' ? v.id : v), 2);
  await writeFile(join(opts.results, `${base}.json`), `${raw}\n`);
  if (!quick) await writeFile(join(opts.results, 'latest-http.md'), text);
  log(`\nwritten: ${join(opts.results, `${base}.md`)}${quick ? '' : ' and latest-http.md'}`);
  if (scenarios.has('gcs')) {
    // GCS (issue: 8 × 512 MiB through the test server, with peak RSS) has its own script and report.
    log('\nGCS: 8 objects through the fake GCS server (bench/gcs.mjs)');
    const args = [join(ROOT, 'bench/gcs.mjs'), '--rounds', String(ROUNDS), '--many', quick ? '8x16MiB' : '8x512MiB',
      '--results', opts.results, '--name', quick ? 'quick-gcs' : 'latest-gcs'];
    checkOk(await run(process.execPath, args, { timeoutMs: 3_600_000, label: 'bench/gcs.mjs', capture: 1 << 16, env: process.env }), 'bench/gcs.mjs');
    log(`written: ${join(opts.results, quick ? 'quick-gcs.md' : 'latest-gcs.md')}`);
  }
}

function summaries(results) {
  const out = {};
  for (const [id, r] of Object.entries(results)) {
    if (Array.isArray(r?.entries)) out[id] = Object.fromEntries(r.entries.map((e) => [e.key, summarize(e)]));
  }
  return out;
}

try {
  await main();
} catch (error) {
  if (error instanceof Stopped) process.exitCode = 130;
  else {
    log(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
} finally {
  await cleanup();
}
