#!/usr/bin/env node
// GCS bench: mr-init downloading a prefix from the fake GCS JSON API server of the tests
// (test/servers/gcs, compiled with tsc into a temp folder and run in this process), interleaved rounds,
// peak RSS. Writes bench/results/latest-gcs.md.
//   node bench/gcs.mjs [--rounds 3] [--many 8x512MiB] [--results DIR] [--name latest-gcs]
// `npm run bench` runs it as its `gcs` scenario.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSet, runSetScenario, setTable } from './lib/objects.mjs';
import { capture, checkOk, killAll, run } from './lib/proc.mjs';
import { fmt, MiB } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    many: { type: 'string', default: '8x512MiB' },
    results: { type: 'string', default: join(root, 'bench', 'results') },
    name: { type: 'string', default: 'latest-gcs' },
  },
});
const [count, sizeText] = opt.many.split('x');
const size = Number(/^(\d+)MiB$/.exec(sizeText)?.[1]) * MiB;
if (!(size > 0)) throw new Error(`--many: expected NxSIZEMiB, got ${opt.many}`);
const log = (m) => console.log(m);
const rounds = Number(opt.rounds);
const uptime = () => capture('uptime', []).trim();
const loadStart = uptime();
const work = await mkdtemp(join(tmpdir(), 'mr-init-bench-gcs-'));
let server;
let stopping = false;
process.on('SIGINT', () => { stopping = true; killAll(); });

try {
  // 1. The fake server is TypeScript: compile a throwaway copy (Node 20 cannot strip types), with a
  //    node_modules link so its imports (@node-rs/crc32) resolve from the build folder.
  const build = join(work, 'gcs-build');
  log('compiling test/servers/gcs');
  checkOk(await run(join(root, 'node_modules/.bin/tsc'), ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--skipLibCheck', '--outDir', build, join(root, 'test/servers/gcs/index.ts')], { timeoutMs: 180_000, label: 'tsc' }), 'tsc');
  await writeFile(join(build, 'package.json'), '{"type":"module"}\n');
  await symlink(join(root, 'node_modules'), join(build, 'node_modules'));
  const { startFakeGcs } = await import(pathToFileURL(join(build, 'index.js')).href);
  server = await startFakeGcs();

  // 2. Fixtures, kept in the server's memory.
  const set = await makeSet(join(work, 'src'), 'many', Number(count), size);
  server.createBucket('bench');
  for (const name of set.files.keys()) server.putObject('bench', `many/${name}`, await readFile(join(set.dir, name)));

  // 3. mr-init, anonymous (a bucket without readers), as the provider's README describes for emulators.
  const cli = join(root, 'packages/core/bin/run.js');
  const tools = [{
    id: 'mr-init', label: 'mr-init',
    command: ({ dir }) => ({ cmd: process.execPath, args: [cli, 'download', 'gs://bench/many', dir, '--progress', 'none'], env: { STORAGE_EMULATOR_HOST: server.emulatorHost } }),
  }];
  const out = join(work, 'out');
  await mkdir(out, { recursive: true });
  const results = await runSetScenario({ set, tools, rounds, outRoot: out, log, shouldStop: () => stopping });
  const { text, sums } = setTable(set, results);
  const m = sums[0].s;
  const md = [
    `# GCS bench (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Server: the fake GCS JSON API of the tests (test/servers/gcs, Node ${process.version}, in the bench's own process, objects in memory) on 127.0.0.1. ${rounds} rounds, medians of good runs. mr-init only: Debian's rclone 1.60 has no GCS endpoint option, so it cannot be pointed at the fake server.`,
    '',
    `Machine: ${capture('nproc', []).trim()} cores, shared with other work. Load at start: \`${loadStart}\`; at end: \`${uptime()}\`.`,
    '',
    'mr-init: `STORAGE_EMULATOR_HOST=http://127.0.0.1:<port>/storage/v1 node packages/core/bin/run.js download gs://bench/many <dir> --progress none` (defaults, anonymous).',
    '',
    '"median s" is spawn to exit; "to disk s" adds `sync -f` on the output. sha256 ✓: every file of the first good run matched; later runs are checked by count and size.',
    '',
    text,
    '',
    '## Against the engine\'s memory target (peak RSS ≤ 128 MiB with defaults, set for HTTP downloads)',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    `| mr-init peak RSS (max over rounds) ≤ 128 MiB | ${fmt(m.rssMiB, 0)} MiB | ${m.rssMiB <= 128 ? 'met' : 'NOT met'} |`,
    '',
  ].join('\n');
  await mkdir(opt.results, { recursive: true });
  await writeFile(join(opt.results, `${opt.name}.md`), md);
  log(md);
} finally {
  killAll();
  await server?.close().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
