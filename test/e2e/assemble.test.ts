/**
 * scripts/assemble.mjs, the installation the image copies to /app, tested without Docker: for three
 * provider sets, the tree holds exactly the chosen plugins and SDKs (no dev tools), its oclif manifest, and
 * it runs from where it lies (app root found from the tree, MR_INIT_APP_ROOT unset): `providers --json`, a
 * download through each chosen provider, ErrProtocolNotSupported for the others, and a run as uid 65532
 * on a read-only tree with a read-only HOME that writes nothing outside DEST and /tmp.
 * Assembly times and tree sizes go to $MR_INIT_ASSEMBLY_REPORT (default <tmpdir>/mr-init-assembly.json).
 */
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileDigests, modelFiles, startBackends, treeDigests, type BackendName, type ModelFile, type RunningBackends } from '../support/backends.js';
import { baseEnv, REPO_ROOT, runCli, type CliOptions, type CliResult } from '../support/cli.js';

const SCRIPT = join(REPO_ROOT, 'scripts/assemble.mjs');
const REPORT_FILE = process.env.MR_INIT_ASSEMBLY_REPORT ?? join(tmpdir(), 'mr-init-assembly.json');
const VARIANTS = ['http', 's3,http', 's3,gcs,azure,hdfs,http'] as const;
type Variant = (typeof VARIANTS)[number];
const ALL: BackendName[] = ['s3', 'gcs', 'azure', 'hdfs', 'http'];
/** The package folders (scope or name) only a provider brings in. */
const SDK_OF: Partial<Record<BackendName, string>> = { s3: '@aws-sdk', gcs: '@google-cloud', azure: '@azure', hdfs: 'webhdfs' };
/** Development-only packages of the repository, which must not reach an installation. */
const DEV_ONLY = ['typescript', 'jest', 'ts-jest', '@jest/core', 'oclif', 's3rver', 'azurite', 'kubernetes-models', '@types/jest'];
/** A URI that only the provider in question handles. */
const ONLY_URI: Record<BackendName, string> = {
  s3: 's3://models/m', gcs: 'gs://models/m', azure: 'wasbs://models@acct.blob.core.windows.net/m', hdfs: 'hdfs://models/m', http: 'http://127.0.0.1:9/m.bin',
};

let work: string;
let running: RunningBackends;
const trees = {} as Record<Variant, string>;
const report = {} as Record<Variant, { seconds: number; size: string; bytes: number; packages: number }>;
const seeded = {} as Record<BackendName, { uri: string; files: ModelFile[] }>;

const providersOf = (variant: Variant): BackendName[] => variant.split(',') as BackendName[];
const cliOf = (tree: string): string => join(tree, 'node_modules/@mr-init/core/bin/run.js');

/** Runs the assembly script as CI does; resolves with its exit status and output. */
function assemble(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * Runs the tree's own bin/run.js. runCli starts the repository's CLI, so a bash wrapper drops that path
 * ($1) and execs node ($0) on the tree's; `prefix` runs before (mounts). bash, not sh: dash drops
 * variables whose names are not identifiers, such as KServe's `127.0.0.1-headers`.
 */
function runTree(tree: string, args: string[], options: CliOptions & { prefix?: string; exec?: string } = {}): Promise<CliResult> {
  const script = `${options.prefix ?? ''}shift; exec ${options.exec ?? ''} "$0" '${cliOf(tree)}' "$@"`;
  return runCli(args, { cwd: work, timeoutMs: 120_000, ...options, wrap: [...(options.wrap ?? []), 'bash', '-c', script] });
}

/** Every package folder under any node_modules below `dir`, by package name (nested copies included). */
function packagesUnder(dir: string): string[] {
  const names: string[] = [];
  const visit = (modules: string): void => {
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folders = entry.name.startsWith('@')
        ? readdirSync(join(modules, entry.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${entry.name}/${e.name}`)
        : [entry.name];
      for (const name of folders) {
        names.push(name);
        if (existsSync(join(modules, name, 'node_modules'))) visit(join(modules, name, 'node_modules'));
      }
    }
  };
  visit(join(dir, 'node_modules'));
  return names;
}

/** /etc/passwd plus the image's user, as its Dockerfile's useradd writes it. */
function imagePasswd(): string {
  const file = join(work, 'passwd');
  if (!existsSync(file)) {
    writeFileSync(file, `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\nnonroot:x:65532:65532::/tmp:/usr/sbin/nologin\n`, { mode: 0o644 });
  }
  return file;
}

/** path → size, mode and mtime of everything under `dir` (symlinks not followed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(dir, path));
      out[path] = `${stat.size} ${stat.mode} ${stat.mtimeMs}`;
      if (stat.isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mr-init-assemble-'));
  chmodSync(work, 0o755); // uid 65532 must reach the trees in the read-only test
  running = await startBackends();
  for (const name of ALL) {
    const files = name === 'http' ? [{ path: 'model.joblib', body: Buffer.from('a joblib model\n') }] : modelFiles(`tree-${name}`, 300 * 1024);
    seeded[name] = { uri: await running.backends[name].put('tree/model', files), files };
  }
  // One after the other: the machine has 2 cores, and npm's cache is shared.
  for (const variant of VARIANTS) {
    const out = join(work, variant.replace(/,/g, '-'));
    const started = process.hrtime.bigint();
    const result = await assemble(['--providers', variant, '--out', out]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.code !== 0) throw new Error(`assembling ${variant} failed (${result.code}):\n${result.stderr.slice(-3000)}`);
    trees[variant] = out;
    report[variant] = {
      seconds: Math.round(seconds * 10) / 10,
      size: execFileSync('du', ['-sh', out], { encoding: 'utf8' }).split('\t')[0]!,
      bytes: Number(execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0]),
      packages: packagesUnder(out).length,
    };
  }
}, 900_000);

afterAll(async () => {
  await running?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  if (Object.keys(report).length > 0) {
    writeFileSync(REPORT_FILE, JSON.stringify(report, null, 2) + '\n');
    console.log(`assembly (also in ${REPORT_FILE}):\n${Object.entries(report).map(([v, r]) => `${v}: ${r.seconds} s, ${r.size} (${r.packages} packages)`).join('\n')}`);
  }
});

describe('the script', () => {
  test('assemble | an unknown provider fails with a message naming the valid ones, and creates nothing', async () => {
    const out = join(work, 'unknown');
    const result = await assemble(['--providers', 's3,ftp', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('assemble: unknown provider: ftp; choose from: azure, gcs, hdfs, http, s3');
    expect(existsSync(out)).toBe(false);
  });

  test('assemble | a non-empty --out is refused and left as it was', async () => {
    const out = join(work, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const result = await assemble(['--providers', 'http', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^assemble: .*occupied is not empty$/m);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});

describe('any uid', () => {
  // OpenShift's restricted policy runs containers as an arbitrary uid that /etc/passwd does not know, and
  // KServe pods rarely set SHELL: mr-init must start all the same.
  test('assemble http | runs as a uid without a passwd entry and without SHELL', async () => {
    const dests = join(work, 'any-uid');
    mkdirSync(dests);
    chmodSync(dests, 0o777);
    const result = await runTree(trees.http, ['download', seeded.http.uri, join(dests, 'model')], {
      env: baseEnv({ HOME: '/tmp', SHELL: undefined, ...running.backends.http.env }),
      exec: 'setpriv --reuid 1000680000 --regid 0 --clear-groups',
    });
    // @oclif/core looks the shell up with os.userInfo() when SHELL is unset, which throws for such a uid.
    expect(result.stderr).not.toMatch(/uv_os_get_passwd|ERR_SYSTEM_ERROR/);
    expect({ code: result.code, stderr: result.stderr.slice(-600) }).toMatchObject({ code: 0 });
    expect(treeDigests(join(dests, 'model'))).toEqual(fileDigests(seeded.http.files));
  }, 120_000);
});

describe.each(VARIANTS.map((v) => [v]))('--providers %s', (variant) => {
  const chosen = providersOf(variant);

  test(`assemble ${variant} | package.json depends on the core and exactly the chosen plugins, by version`, () => {
    const pkg = JSON.parse(readFileSync(join(trees[variant], 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@mr-init/core', ...chosen.map((p) => `@mr-init/provider-${p}`)].sort());
    for (const spec of Object.values(pkg.dependencies)) expect(spec).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(join(trees[variant], 'package-lock.json'))).toBe(false);
  });

  test(`assemble ${variant} | node_modules holds only the chosen plugins and their SDKs, and no dev tool`, () => {
    const names = new Set(packagesUnder(trees[variant]));
    expect([...names].filter((n) => n.startsWith('@mr-init/')).sort())
      .toEqual(['@mr-init/core', ...chosen.map((p) => `@mr-init/provider-${p}`)].sort());
    for (const [provider, sdk] of Object.entries(SDK_OF)) {
      const present = [...names].some((n) => n === sdk || n.startsWith(`${sdk}/`));
      expect({ sdk, present }).toEqual({ sdk, present: chosen.includes(provider as BackendName) });
    }
    expect(DEV_ONLY.filter((n) => names.has(n))).toEqual([]);
  });

  test(`assemble ${variant} | the core is the packed package with its oclif manifest`, () => {
    const core = join(trees[variant], 'node_modules/@mr-init/core');
    const manifest = JSON.parse(readFileSync(join(core, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
    expect(Object.keys(manifest.commands).sort()).toEqual(expect.arrayContaining(['download', 'providers', 'resolve']));
    const entries = readdirSync(core);
    expect(entries).toEqual(expect.arrayContaining(['bin', 'dist', 'oclif.manifest.json', 'package.json']));
    expect(entries.filter((e) => ['src', 'test', 'tsconfig.json', 'tsconfig.tsbuildinfo'].includes(e))).toEqual([]);
  });

  test(`assemble ${variant} | providers --json from the tree lists exactly the chosen plugins, found from the tree`, async () => {
    const result = await runTree(trees[variant], ['providers', '--json'], { env: baseEnv() });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const providers = (JSON.parse(result.stdout) as { providers: Array<{ package: string; root: string }> }).providers;
    expect(providers.map((p) => p.package).sort()).toEqual(chosen.map((p) => `@mr-init/provider-${p}`).sort());
    for (const p of providers) expect(p.root.startsWith(trees[variant])).toBe(true);
  }, 120_000);

  test.each(chosen.map((p) => [p]))(`assemble ${variant} | a download through %s works from the tree`, async (provider) => {
    const out = join(work, `dest-${variant}-${provider}`);
    const result = await runTree(trees[variant], ['download', seeded[provider].uri, out],
      { env: baseEnv({ MR_INIT_PART_SIZE: '256KiB', ...running.backends[provider].env }) });
    expect({ code: result.code, stderr: result.stderr.slice(-600) }).toMatchObject({ code: 0 });
    expect(treeDigests(out)).toEqual(fileDigests(seeded[provider].files));
  }, 120_000);

  const absent = ALL.filter((p) => !chosen.includes(p));
  if (absent.length > 0) {
    test.each(absent.map((p) => [p]))(`assemble ${variant} | a URI only %s handles → ErrProtocolNotSupported naming its package`, async (provider) => {
      const termination = join(work, `termination-${variant}-${provider}`);
      const result = await runTree(trees[variant], ['download', ONLY_URI[provider], join(work, 'never')],
        { env: baseEnv({ MR_INIT_TERMINATION_LOG: termination }) });
      expect(result.code).toBe(12);
      expect(result.lastLine).toMatch(new RegExp(`^ErrProtocolNotSupported: .*@mr-init/provider-${provider}\\b`));
      expect(readFileSync(termination, 'utf8').trim()).toBe(result.lastLine);
    }, 120_000);
  }

  test(`assemble ${variant} | as uid 65532 with a read-only tree and HOME, writes only to DEST and /tmp`, async () => {
    const tree = trees[variant];
    const home = join(work, `home-${variant}`);
    const state = join(work, `state-${variant}`);
    const dests = join(work, `ro-dests-${variant}`);
    mkdirSync(home);
    mkdirSync(state);
    mkdirSync(dests);
    chmodSync(state, 0o777);
    chmodSync(dests, 0o777);
    const before = snapshot(tree);
    const pairs = chosen.flatMap((p) => [seeded[p].uri, join(dests, p)]);
    const readOnly = (dir: string): string => `mount --bind '${dir}' '${dir}' && mount -o remount,bind,ro '${dir}' && `;
    const result = await runTree(tree, ['download', ...pairs], {
      cwd: home,
      env: baseEnv({
        HOME: home,
        MR_INIT_CACHE_DIR: join(state, 'cache'),
        MR_INIT_DATA_DIR: join(state, 'data'),
        MR_INIT_CONFIG_DIR: join(state, 'config'),
        ...Object.assign({}, ...chosen.map((p) => running.backends[p].env)),
      }),
      // A private mount namespace where the tree and HOME are read-only mounts and /etc/passwd knows the
      // image's user (its Dockerfile adds 65532 as nonroot), and that uid.
      wrap: ['unshare', '--mount'],
      prefix: `${readOnly(tree)}${readOnly(home)}mount --bind '${imagePasswd()}' /etc/passwd && `,
      exec: 'setpriv --reuid 65532 --regid 65532 --clear-groups',
    });
    expect({ code: result.code, stderr: result.stderr.slice(-600) }).toMatchObject({ code: 0 });
    for (const p of chosen) expect(treeDigests(join(dests, p))).toEqual(fileDigests(seeded[p].files));
    expect(snapshot(tree)).toEqual(before);
    expect(readdirSync(home)).toEqual([]);
  }, 120_000);
});
