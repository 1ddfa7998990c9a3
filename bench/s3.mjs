#!/usr/bin/env node
// S3 bench: whole-prefix downloads from a local radosgw (test/servers/radosgw) by mr-init,
// `aws s3 cp --recursive` and `rclone copy`, interleaved rounds, peak RSS. Writes bench/results/latest-s3.md.
//   node bench/s3.mjs [--rounds 3] [--many 8x128MiB] [--big 512MiB] [--small 500x16KiB] [--results DIR] [--work DIR]
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSet, runSetScenario, setTable, summarizeRuns } from './lib/objects.mjs';
import { capture, checkOk, cleanEnv, killAll, run } from './lib/proc.mjs';
import { fmt, MiB } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    many: { type: 'string', default: '8x128MiB' },
    big: { type: 'string', default: '512MiB' },
    small: { type: 'string', default: '500x16KiB' },
    results: { type: 'string', default: join(root, 'bench', 'results') },
    work: { type: 'string' },
    // 'LABEL=ARGS': mr-init with extra flags as another tool, e.g. --variant 'p32=--part-size 32MiB'.
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const unit = { KiB: 1024, MiB, GiB: 1024 * MiB };
const parseSize = (s) => { const m = /^(\d+)(KiB|MiB|GiB)$/.exec(s); if (!m) throw new Error(`bad size ${s}`); return Number(m[1]) * unit[m[2]]; };
const parseSet = (s) => { const [n, size] = s.includes('x') ? s.split('x') : ['1', s]; return { count: Number(n), size: parseSize(size) }; };
const log = (m) => console.log(m);
const rounds = Number(opt.rounds);
const uptime = () => capture('uptime', []).trim();
const loadStart = uptime();

const work = opt.work ?? (await mkdtemp(join(tmpdir(), 'mr-init-bench-s3-')));
const rgwDir = await mkdtemp(join(tmpdir(), 'mr-init-bench-rgw-'));
let stopping = false;
const cleanup = async () => {
  killAll();
  await run('bash', [join(root, 'test/servers/radosgw/stop.sh'), rgwDir], { timeoutMs: 60_000 }).catch(() => undefined);
};
process.on('SIGINT', () => { stopping = true; cleanup().finally(() => process.exit(130)); });

try {
  // 1. Fixtures.
  const specs = [['many', parseSet(opt.many)], ['big', parseSet(opt.big)], ['small', parseSet(opt.small)]];
  const sets = [];
  const total = specs.reduce((a, [, s]) => a + s.count * s.size, 0);
  log(`fixtures in ${work}`);
  for (const [id, s] of specs) sets.push(await makeSet(join(work, 'src'), id, s.count, s.size));

  // 2. radosgw: start.sh keeps objects in a memstore OSD of 512 MiB, too small here, so a copy of it
  //    with a larger store (the data plus room for radosgw's own objects) runs instead.
  const script = (await readFile(join(root, 'test/servers/radosgw/start.sh'), 'utf8'))
    .replace(/memstore device bytes = \d+/, `memstore device bytes = ${Math.ceil((total * 1.5 + 512 * MiB) / MiB) * MiB}`);
  const scriptPath = join(work, 'start-rgw.sh');
  await writeFile(scriptPath, script);
  log('starting radosgw');
  const started = checkOk(await run('bash', [scriptPath, rgwDir], { timeoutMs: 180_000, label: 'start.sh' }), 'start radosgw');
  const vars = Object.fromEntries(started.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const endpoint = vars.ENDPOINT;
  const bucket = 'bench';
  const awsEnv = { AWS_ACCESS_KEY_ID: vars.ACCESS_KEY, AWS_SECRET_ACCESS_KEY: vars.SECRET_KEY, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' };
  const rcloneEnv = {
    RCLONE_CONFIG: '/dev/null', RCLONE_S3_PROVIDER: 'Ceph', RCLONE_S3_ENDPOINT: endpoint, RCLONE_S3_ACCESS_KEY_ID: vars.ACCESS_KEY,
    RCLONE_S3_SECRET_ACCESS_KEY: vars.SECRET_KEY, RCLONE_S3_ENV_AUTH: 'false', RCLONE_S3_REGION: 'us-east-1',
  };

  // 3. Upload each set under its own prefix (rclone creates the bucket).
  for (const set of sets) {
    log(`uploading ${set.id}`);
    checkOk(await run('rclone', ['copy', set.dir, `:s3:${bucket}/${set.id}`, '--transfers', '8', '--s3-upload-concurrency', '4'], {
      timeoutMs: 600_000, env: cleanEnv(rcloneEnv), label: 'rclone upload',
    }), `upload ${set.id}`);
  }

  // 4. The tools, each "this prefix into that folder".
  const cli = join(root, 'packages/core/bin/run.js');
  const tools = (prefix) => [
    { id: 'mr-init', label: 'mr-init', command: ({ dir }) => ({ cmd: process.execPath, args: [cli, 'download', `s3://${bucket}/${prefix}`, dir, '--progress', 'none'], env: { ...awsEnv, AWS_ENDPOINT_URL: endpoint, S3_USE_HTTPS: '0' } }) },
    ...opt.variant.map((v) => {
      const label = v.slice(0, v.indexOf('='));
      const extra = v.slice(v.indexOf('=') + 1).split(/\s+/).filter(Boolean);
      return { id: `mr-init-${label}`, label: `mr-init ${label}`, command: ({ dir }) => ({ cmd: process.execPath, args: [cli, 'download', `s3://${bucket}/${prefix}`, dir, '--progress', 'none', ...extra], env: { ...awsEnv, AWS_ENDPOINT_URL: endpoint, S3_USE_HTTPS: '0' } }) };
    }),
    { id: 'aws', label: 'aws s3 cp --recursive', command: ({ dir }) => ({ cmd: 'aws', args: ['--endpoint-url', endpoint, 's3', 'cp', '--recursive', '--only-show-errors', `s3://${bucket}/${prefix}`, dir], env: { ...awsEnv, PYENV_VERSION: process.env.PYENV_VERSION ?? '' } }) },
    { id: 'rclone', label: 'rclone (16/16)', command: ({ dir }) => ({ cmd: 'rclone', args: ['copy', `:s3:${bucket}/${prefix}`, dir, '--transfers', '16', '--multi-thread-streams', '16', '--checkers', '16'], env: rcloneEnv }) },
  ];
  const out = join(work, 'out');
  await mkdir(out, { recursive: true });
  const sections = [];
  const targets = [];
  for (const set of sets) {
    log(`scenario ${set.id}`);
    const results = await runSetScenario({ set, tools: tools(set.id), rounds, outRoot: out, log, shouldStop: () => stopping });
    const { text, sums } = setTable(set, results, 'rclone');
    sections.push(text);
    const m = sums.find((x) => x.e.tool.id === 'mr-init')?.s;
    const r = sums.find((x) => x.e.tool.id === 'rclone')?.s;
    targets.push(`| ${set.id}: ≥ 1.0× rclone | ${fmt(r?.wallS / m?.wallS)}× (to disk ${fmt(r?.diskS / m?.diskS)}×) | ${r?.wallS / m?.wallS >= 1 ? 'met' : 'NOT met'} |`);
    targets.push(`| ${set.id}: mr-init peak RSS ≤ 128 MiB | ${fmt(m?.rssMiB, 0)} MiB | ${m?.rssMiB <= 128 ? 'met' : 'NOT met'} |`);
  }
  const loadEnd = uptime();
  const versions = [
    `node ${process.version}`, capture('aws', ['--version']).trim() || capture('sh', ['-c', 'aws --version 2>&1']).trim(),
    capture('rclone', ['version']).split('\n')[0], capture('radosgw', ['--version']).trim().split('\n')[0],
  ].filter(Boolean);
  const md = [
    `# S3 bench (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Server: Ceph radosgw (beast, memstore OSD) on 127.0.0.1, from test/servers/radosgw/start.sh. ${rounds} interleaved rounds (order rotates each round), medians of good runs. Ratios: rclone's median / mr-init's (higher = mr-init faster), from this run.`,
    '',
    `Machine: ${capture('nproc', []).trim()} cores, shared with other work. Load at start: \`${loadStart}\`; at end: \`${loadEnd}\`.`,
    '',
    `Versions: ${versions.join('; ')}.`,
    '',
    'Tools:',
    '- mr-init: `node packages/core/bin/run.js download s3://bench/<prefix> <dir> --progress none` (defaults), env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_ENDPOINT_URL / AWS_REGION.',
    '- aws: `aws --endpoint-url <ep> s3 cp --recursive --only-show-errors s3://bench/<prefix> <dir>` (aws-cli v1 defaults: 10 concurrent requests, 8 MiB multipart).',
    '- rclone: `rclone copy :s3:bench/<prefix> <dir> --transfers 16 --multi-thread-streams 16 --checkers 16`, backend from env RCLONE_S3_PROVIDER=Ceph, _ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY.',
    '',
    '"median s" is spawn to exit; "to disk s" adds `sync -f` on the output (no tool flushes its data itself; mr-init relies on the boot id, see docs/architecture.md). sha256 ✓: every file of the first good run of each tool matched; later runs are checked by count and size.',
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Targets (issue: ≥ 1.0× rclone on all three, peak RSS ≤ 128 MiB)',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    ...targets,
    '',
  ].join('\n');
  await mkdir(opt.results, { recursive: true });
  await writeFile(join(opt.results, 'latest-s3.md'), md);
  log(md);
} finally {
  await cleanup();
  if (!opt.work) await rm(work, { recursive: true, force: true });
}
