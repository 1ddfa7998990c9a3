/**
 * A third-party provider (examples/mr-init-provider-file) used the ways users use one: packed and added
 * with `mr-init plugins install`, or installed as a dependency beside the core. Also: packages refused
 * at install, the official short names through a registry on 127.0.0.1, two providers claiming file://,
 * lazy loading, and EACCES from the real kernel. Plugin installs never touch the real home: oclif's
 * folders (MR_INIT_DATA_DIR/CACHE_DIR/CONFIG_DIR), HOME and npm's cache are temporary, and npm runs
 * offline except against the local registry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeAppRoot } from '../support/app-root.js';
import { baseEnv, CLI, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';

const EXAMPLE = join(REPO_ROOT, 'examples/mr-init-provider-file');
const TWIN = join(REPO_ROOT, 'packages/core/test/fixtures/file-twin');
const NPM = join(REPO_ROOT, 'node_modules/npm/bin/npm-cli.js');
const TRACER = join(REPO_ROOT, 'test/support/module-trace.mjs');
const TWIN_BYTES = 'served by mr-init-provider-file-twin\n';

const work = mkdtempSync(join(tmpdir(), 'mr-init-3p-'));
const files = { 'model.onnx': Buffer.alloc(70_000, 7), 'sub/weights.bin': Buffer.from('weights'), 'naïve name.txt': Buffer.from('ü') };
const models = join(work, 'models');
let exampleTgz: string;
let coreOnly: string; // an installation with no provider beside the core
let beside: string; // the example installed as a dependency beside the core
let both: string; // the example and its twin, both claiming file://
let sandboxes = 0;

function write(path: string, body: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
}

/** `npm pack` of a folder into `work`, offline; returns the tarball's path. */
function pack(folder: string): string {
  const result = spawnSync(process.execPath, [NPM, 'pack', '--ignore-scripts', '--json', '--pack-destination', work],
    { cwd: folder, env: { PATH: process.env.PATH, HOME: work, npm_config_cache: join(work, 'npm-cache'), npm_config_offline: 'true' }, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return join(work, (JSON.parse(result.stdout) as Array<{ filename: string }>)[0]!.filename);
}

/** A package folder generated for one case. */
function packageFolder(name: string, pjson: Record<string, unknown>, extra: Record<string, string> = {}): string {
  const dir = join(work, 'pkgs', name);
  for (const [path, text] of Object.entries({ 'package.json': JSON.stringify({ name, version: '1.0.0', type: 'module', ...pjson }), ...extra })) write(join(dir, path), text);
  return dir;
}

/** Fresh oclif data/cache/config folders, home and npm cache: where `plugins install` writes. */
function sandbox(extra: Record<string, string> = {}): { data: string; home: string; env: Record<string, string | undefined> } {
  const root = join(work, `sandbox-${++sandboxes}`);
  const [data, cache, config, home, npmCache] = ['data', 'cache', 'config', 'home', 'npm-cache'].map((d) => join(root, d));
  for (const d of [data, cache, config, home, npmCache]) mkdirSync(d!, { recursive: true });
  return {
    data: data!,
    home: home!,
    env: baseEnv({
      HOME: home, MR_INIT_DATA_DIR: data, MR_INIT_CACHE_DIR: cache, MR_INIT_CONFIG_DIR: config, MR_INIT_APP_ROOT: coreOnly,
      npm_config_cache: npmCache, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false',
      ...extra,
    }),
  };
}

async function providers(env: Record<string, string | undefined>): Promise<Array<{ package: string; schemes: string[]; root: string }>> {
  const result = await runCli(['providers', '--json'], { env });
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return (JSON.parse(result.stdout) as { providers: Array<{ package: string; schemes: string[]; root: string }> }).providers;
}

function expectFiles(dest: string, expected: Record<string, Buffer>): void {
  for (const [path, body] of Object.entries(expected)) expect(readFileSync(join(dest, path))).toEqual(body);
}

const userDeps = (data: string): Record<string, string> => (JSON.parse(readFileSync(join(data, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
const ok = (r: CliResult) => ({ code: r.code, lastLine: r.code === 0 ? '' : r.lastLine });

beforeAll(() => {
  if (!existsSync(join(EXAMPLE, 'dist/provider.js'))) throw new Error('examples/mr-init-provider-file is not built: run `npm run build` first');
  for (const [path, body] of Object.entries(files)) write(join(models, 'iris/v1', path), body);
  write(join(models, 'iris/v10/other.bin'), 'a sibling, never fetched');
  exampleTgz = pack(EXAMPLE);
  coreOnly = makeAppRoot({});
  beside = makeAppRoot({ 'mr-init-provider-file': EXAMPLE });
  both = makeAppRoot({ 'mr-init-provider-file': EXAMPLE, 'mr-init-provider-file-twin': TWIN });
});

afterAll(() => {
  for (const dir of [work, coreOnly, beside, both]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mr-init plugins install', () => {
  test('third-party | a packed tarball installs offline, is listed, downloads file:// and local paths, and uninstalls', async () => {
    const box = sandbox();
    const install = await runCli(['plugins', 'install', `./${relative(work, exampleTgz)}`], { env: box.env, cwd: work });
    expect(ok(install)).toEqual({ code: 0, lastLine: '' });
    expect(Object.keys(userDeps(box.data))).toEqual(['mr-init-provider-file']);
    expect(existsSync(join(box.data, 'node_modules/@mr-init/core'))).toBe(false); // the optional peer is not fetched
    expect(readdirSync(box.home)).toEqual([]);
    expect((await providers(box.env)).map((p) => [p.package, p.schemes, p.root])).toEqual([['mr-init-provider-file', ['file'], join(box.data, 'node_modules/mr-init-provider-file')]]);

    const dest = join(work, 'dest-installed');
    expect(ok(await runCli(['download', pathToFileURL(join(models, 'iris/v1')).href, dest], { env: box.env }))).toEqual({ code: 0, lastLine: '' });
    expectFiles(dest, files);
    expect(existsSync(join(dest, 'other.bin'))).toBe(false);
    const single = join(work, 'dest-single');
    expect(ok(await runCli(['download', './models/iris/v1/sub/weights.bin', single], { env: box.env, cwd: work }))).toEqual({ code: 0, lastLine: '' });
    expectFiles(single, { 'weights.bin': files['sub/weights.bin'] });

    expect(ok(await runCli(['plugins', 'uninstall', 'mr-init-provider-file'], { env: box.env }))).toEqual({ code: 0, lastLine: '' });
    expect(await providers(box.env)).toEqual([]);
  });

  test('third-party | installs from a file: spec of the tarball', async () => {
    const box = sandbox();
    const spec = pathToFileURL(exampleTgz).href.replace('file://', 'file:');
    expect(ok(await runCli(['plugins', 'install', spec], { env: box.env }))).toEqual({ code: 0, lastLine: '' });
    expect((await providers(box.env)).map((p) => p.package)).toEqual(['mr-init-provider-file']);
  });

  test('third-party | installs package folders, each under its own name (they are packed first)', async () => {
    const box = sandbox();
    for (const folder of [EXAMPLE, TWIN]) expect(ok(await runCli(['plugins', 'install', folder], { env: box.env }))).toEqual({ code: 0, lastLine: '' });
    expect((await providers(box.env)).map((p) => [p.package, p.root])).toEqual([
      ['mr-init-provider-file', join(box.data, 'node_modules/mr-init-provider-file')],
      ['mr-init-provider-file-twin', join(box.data, 'node_modules/mr-init-provider-file-twin')],
    ]);
    expect(userDeps(box.data)).toEqual({
      'mr-init-provider-file': 'file:packed/mr-init-provider-file-0.1.0.tgz',
      'mr-init-provider-file-twin': 'file:packed/mr-init-provider-file-twin-1.0.0.tgz',
    });
  });

  const entry = { 'provider.js': 'export default {}' };
  test.each([
    ['no mrInitProvider block', { oclif: {} }, entry, /cannot install mr-init-provider-bad-1: it is not an mr-init storage provider: its package.json has no "mrInitProvider" block/],
    ['an invalid block', { oclif: {}, mrInitProvider: { apiVersion: 1, entry: './provider.js', schemes: ['file:'] } }, entry, /"mrInitProvider" block is invalid: "schemes" must be/],
    ['another contract major', { oclif: {}, mrInitProvider: { apiVersion: 2, entry: './provider.js', schemes: ['file'] } }, entry, /implements provider API v2, but this mr-init supports v1/],
    ['no built entry', { oclif: {}, mrInitProvider: { apiVersion: 1, entry: './dist/provider.js', schemes: ['file'] } }, entry, /its entry \.\/dist\/provider\.js is not in the package/],
    ['no "oclif" key', { mrInitProvider: { apiVersion: 1, entry: './provider.js', schemes: ['file'] } }, entry, /no "oclif" key; add "oclif": \{\}/],
  ])('third-party | a tarball with %s is refused before npm runs, and nothing is installed', async (_what, pjson, extra, message) => {
    const box = sandbox();
    const name = `mr-init-provider-bad-${sandboxes}`;
    const tgz = pack(packageFolder(name, pjson, extra));
    const result = await runCli(['plugins', 'install', tgz], { env: box.env });
    expect(result.code).toBe(19);
    expect(result.lastLine).toMatch(/^ErrProviderIncompatible: cannot install mr-init-provider-bad-\d+: /);
    expect(result.lastLine.replace(/bad-\d+/, 'bad-1')).toMatch(message);
    expect(existsSync(join(box.data, 'node_modules'))).toBe(false);
    expect(await providers(box.env)).toEqual([]);
  });

  test('third-party | a path that does not exist is a usage error, not a GitHub lookup', async () => {
    const box = sandbox();
    const result = await runCli(['plugins', 'install', './no-such-provider-1.0.0.tgz'], { env: box.env, cwd: work });
    expect(result.code).toBe(1);
    expect(result.lastLine).toBe(`ErrUsage: cannot install ./no-such-provider-1.0.0.tgz: there is no file or folder ${join(work, 'no-such-provider-1.0.0.tgz')}. ` +
      'Give a package name, the path of a tarball made by `npm pack`, or the path of a package folder.');
  });
});

/** An npm registry on 127.0.0.1 serving the given package folders (packed), and the paths npm asked for. */
async function startRegistry(packages: Record<string, string>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const tarballs = new Map(Object.entries(packages).map(([name, folder]) => [name, readFileSync(pack(folder))]));
  const manifests = new Map(Object.keys(packages).map((name) => [name, JSON.parse(readFileSync(join(packages[name]!, 'package.json'), 'utf8')) as { version: string }]));
  const server = http.createServer((req, res) => {
    requests.push(req.url!);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const name = decodeURIComponent(req.url!.slice(1));
    const tarball = tarballs.get(name) ?? tarballs.get(name.replace(/^-\/tarball\//, ''));
    if (!tarball) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    if (name.startsWith('-/tarball/')) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    const pjson = manifests.get(name)!;
    const dist = { tarball: `${base}/-/tarball/${encodeURIComponent(name)}`, shasum: createHash('sha1').update(tarball).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}` };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, 'dist-tags': { latest: pjson.version }, versions: { [pjson.version]: { ...pjson, dist } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('mr-init plugins install from a registry', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => {
    registry = await startRegistry({
      '@mr-init/provider-demo': packageFolder('@mr-init/provider-demo', { oclif: {}, mrInitProvider: { apiVersion: 1, entry: './provider.js', schemes: ['demo'] } }, { 'provider.js': 'export default {}' }),
      'mr-init-provider-nometa': packageFolder('mr-init-provider-nometa', { oclif: {} }, { 'provider.js': 'export default {}' }),
    });
  });
  afterAll(() => registry.close());
  const online = () => sandbox({ npm_config_offline: 'false', MR_INIT_NPM_REGISTRY: registry.url });

  test('third-party | a short name means the official package: `plugins install demo` installs @mr-init/provider-demo', async () => {
    const box = online();
    registry.requests.length = 0;
    expect(ok(await runCli(['plugins', 'install', 'demo'], { env: box.env }))).toEqual({ code: 0, lastLine: '' });
    expect(registry.requests[0]).toBe('/@mr-init%2fprovider-demo');
    expect((await providers(box.env)).map((p) => [p.package, p.schemes])).toEqual([['@mr-init/provider-demo', ['demo']]]);
    registry.requests.length = 0;
    expect((await runCli(['plugins', 'install', 's3'], { env: online().env })).code).not.toBe(0); // this registry has no S3 provider
    expect(registry.requests[0]).toBe('/@mr-init%2fprovider-s3');
  });

  test('third-party | a registry package that is not a provider is uninstalled again, with the reason', async () => {
    const box = online();
    const result = await runCli(['plugins', 'install', 'mr-init-provider-nometa'], { env: box.env });
    expect(result.code).toBe(19);
    expect(result.lastLine).toBe('ErrProviderIncompatible: cannot install mr-init-provider-nometa@1.0.0: it is not an mr-init storage provider: ' +
      'its package.json has no "mrInitProvider" block (it was uninstalled again). See docs/writing-a-provider.md for what a provider package needs.');
    expect(userDeps(box.data)).toEqual({});
    expect(existsSync(join(box.data, 'node_modules/mr-init-provider-nometa'))).toBe(false);
  });
});

describe('a provider installed beside the core', () => {
  const env = (appRoot: string, extra: Record<string, string> = {}) => baseEnv({ MR_INIT_APP_ROOT: appRoot, ...extra });

  test('third-party | it is listed and downloads a local path, as in an image that depends on it', async () => {
    expect((await providers(env(beside))).map((p) => [p.package, p.schemes])).toEqual([['mr-init-provider-file', ['file']]]);
    const dest = join(work, 'dest-beside');
    expect(ok(await runCli(['download', join(models, 'iris/v1'), dest], { env: env(beside) }))).toEqual({ code: 0, lastLine: '' });
    expectFiles(dest, files);
  });

  test('third-party | two providers claiming file:// equally fail with ErrProviderConflict naming both', async () => {
    const result = await runCli(['download', pathToFileURL(join(models, 'iris/v1')).href, join(work, 'dest-conflict')], { env: env(both) });
    expect(result.code).toBe(18);
    const named = /^ErrProviderConflict: (\S+) and (\S+) both claim file:\/\/ equally\. Choose one with the setting providers\.file /.exec(result.lastLine);
    expect(named?.slice(1).sort()).toEqual(['mr-init-provider-file', 'mr-init-provider-file-twin']);
  });

  test.each([
    ['mr-init-provider-file', (dest: string) => expectFiles(dest, files)],
    ['mr-init-provider-file-twin', (dest: string) => expect(readFileSync(join(dest, 'v1'), 'utf8')).toBe(TWIN_BYTES)],
  ])('third-party | the setting providers.file = %s settles the conflict', async (pkg, check) => {
    const config = join(work, `config-${pkg}.json`);
    writeFileSync(config, JSON.stringify({ providers: { file: pkg } }));
    const dest = join(work, `dest-${pkg}`);
    expect(ok(await runCli(['download', pathToFileURL(join(models, 'iris/v1')).href, dest], { env: env(both, { MR_INIT_CONFIG: config }) }))).toEqual({ code: 0, lastLine: '' });
    check(dest);
  });

  test('third-party | `mr-init providers` does not import the provider; a download does', async () => {
    const traced = async (name: string, args: string[]): Promise<string[]> => {
      const trace = join(work, `${name}.trace`);
      const result = await runCli(args, { nodeArgs: ['--import', TRACER], env: env(both, { MR_INIT_MODULE_TRACE: trace, MR_INIT_CONFIG: join(work, 'config-mr-init-provider-file.json') }) });
      expect(ok(result)).toEqual({ code: 0, lastLine: '' });
      return readFileSync(trace, 'utf8').split('\n').filter((m) => /mr-init-provider-file\/dist\/|file-twin\/provider\.js/.test(m));
    };
    expect(await traced('providers', ['providers'])).toEqual([]);
    const loaded = await traced('download', ['download', join(models, 'iris/v1'), join(work, 'dest-traced')]);
    expect(loaded.some((m) => m.endsWith('mr-init-provider-file/dist/provider.js'))).toBe(true);
    expect(loaded.filter((m) => m.includes('file-twin'))).toEqual([]);
  });
});

describe('permissions', () => {
  // Root passes every file-mode check, so as root the CLI runs as nobody (65534) for these cases.
  const asRoot = process.getuid?.() === 0;
  const runAs = (args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; lastLine: string }> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      cwd: '/', stdio: ['ignore', 'ignore', 'pipe'], ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lastLine: stderr.trim().split('\n').pop() ?? '' }));
  });

  test.each([
    ['a folder it may not read', 'locked-folder', (dir: string) => chmodSync(dir, 0o000), ''],
    ['a file it may not read', 'locked-file', (dir: string) => chmodSync(join(dir, 'model.onnx'), 0o000), '/model.onnx'],
  ])('third-party | %s fails with ErrStorageAuth from kind PermissionDenied', async (_what, name, lock, suffix) => {
    const dir = join(work, 'perm', name);
    write(join(dir, 'model.onnx'), 'onnx');
    lock(dir);
    const home = mkdtempSync(join(tmpdir(), 'mr-init-3p-nobody-'));
    for (const d of [work, join(work, 'perm'), beside]) chmodSync(d, 0o755); // mkdtemp makes 0700 folders
    if (asRoot) chownSync(home, 65534, 65534);
    const env = baseEnv({ HOME: home, MR_INIT_APP_ROOT: beside, MR_INIT_DATA_DIR: join(home, 'data'), MR_INIT_CACHE_DIR: join(home, 'cache'), MR_INIT_CONFIG_DIR: join(home, 'config') });
    try {
      const result = await runAs(['download', dir + suffix, join(home, 'dest')], env);
      expect(result.code).toBe(14);
      expect(result.lastLine).toMatch(new RegExp(`^ErrStorageAuth: .*${name}.*permission denied \\(EACCES\\).*readable by the user mr-init runs as`));
    } finally {
      chmodSync(dir, 0o755);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
