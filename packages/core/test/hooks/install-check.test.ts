import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { badPath, installProblem, localPath, readLocalPackage, refusal, typedSpec } from '../../src/hooks/install-check.js';

const work = mkdtempSync(join(tmpdir(), 'mr-init-install-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const valid = { name: 'mr-init-provider-x', version: '1.0.0', oclif: {}, mrInitProvider: { apiVersion: 1, entry: './dist/provider.js', schemes: ['x'] } };
const withFiles = (pjson: Record<string, unknown>, files = ['dist/provider.js']) => ({ pjson, has: (p: string) => files.includes(p.replace(/^\.\//, '')) });

/** Writes a package folder and returns it. */
function packageFolder(name: string, pjson: Record<string, unknown>, files: Record<string, string>): string {
  const dir = join(work, name);
  for (const [path, text] of Object.entries({ 'package.json': JSON.stringify(pjson), ...files })) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('install check', () => {
  test('install check | a provider package with its entry passes', () => {
    expect(installProblem(withFiles(valid))).toBeUndefined();
  });

  test.each([
    ['no "oclif" key', { ...valid, oclif: undefined }, /no "oclif" key; add "oclif": \{\}/],
    ['no block', { ...valid, mrInitProvider: undefined }, /not an mr-init storage provider: its package.json has no "mrInitProvider" block/],
    ['no schemes', { ...valid, mrInitProvider: { ...valid.mrInitProvider, schemes: [] } }, /"mrInitProvider" block is invalid: "schemes" must be a non-empty list/],
    ['an entry outside the package', { ...valid, mrInitProvider: { ...valid.mrInitProvider, entry: '../x.js' } }, /"entry" must be a path inside the package/],
    ['another contract major', { ...valid, mrInitProvider: { ...valid.mrInitProvider, apiVersion: 2 } }, /implements provider API v2, but this mr-init supports v1/],
  ])('install check | refuses a package with %s', (_what, pjson, message) => {
    expect(installProblem(withFiles(pjson))).toMatch(message);
  });

  test('install check | refuses a package whose entry was not built into it', () => {
    expect(installProblem(withFiles(valid, ['README.md']))).toBe('its entry ./dist/provider.js is not in the package; build it before packing or publishing');
  });

  test('install check | the refusal is one ErrProviderIncompatible line; a bad path is ErrUsage', () => {
    const error = refusal('mr-init-provider-x@1.0.0', 'it is not an mr-init storage provider', true);
    expect(error.exitCode).toBe(19);
    expect(error.toLine()).toBe('ErrProviderIncompatible: cannot install mr-init-provider-x@1.0.0: it is not an mr-init storage provider ' +
      '(it was uninstalled again). See docs/writing-a-provider.md for what a provider package needs.');
    expect(badPath('./x.tgz', 'there is no file or folder /w/x.tgz').toLine()).toMatch(/^ErrUsage: cannot install \.\/x\.tgz: there is no file or folder \/w\/x\.tgz\. Give a package name/);
  });

  test.each([
    ['./pkg.tgz', '/w/pkg.tgz'],
    ['../up/pkg', '/up/pkg'],
    ['/abs/pkg', '/abs/pkg'],
    ['pkg-1.0.0.tgz', '/w/pkg-1.0.0.tgz'],
    ['pkg.tar.gz', '/w/pkg.tar.gz'],
    ['file:./rel.tgz', '/w/rel.tgz'],
    ['file:/abs/p.tgz', '/abs/p.tgz'],
    ['file:///abs/p%20q.tgz', '/abs/p q.tgz'],
    ['~/pkgs/p.tgz', join(homedir(), 'pkgs/p.tgz')],
  ])('install check | %s is the local path %s', (spec, path) => {
    expect(localPath(spec, '/w')).toBe(path);
  });

  test.each(['s3', 'mr-init-provider-foo', '@acme/mr-init-provider-foo', 'https://github.com/acme/foo', 'git+ssh://git@github.com/acme/foo.git'])(
    'install check | %s is not a local path', (spec) => {
      expect(localPath(spec, '/w')).toBeUndefined();
    });

  test('install check | the typed spec is recovered from what plugin-plugins parsed', () => {
    expect(typedSpec({ type: 'npm', name: 'pkg-1.0.0.tgz' })).toBe('pkg-1.0.0.tgz');
    expect(typedSpec({ type: 'repo', url: 'https://github.com/./dist/pkg.tgz' })).toBe('./dist/pkg.tgz');
    expect(typedSpec({ type: 'repo', url: 'file:/abs/pkg.tgz' })).toBe('file:/abs/pkg.tgz');
  });

  test('install check | reads package.json and the file list of a folder', async () => {
    const dir = packageFolder('folder', valid, { 'dist/provider.js': 'export default {}' });
    const pkg = await readLocalPackage(dir);
    expect(pkg.pjson).toEqual(valid);
    expect(installProblem(pkg)).toBeUndefined();
    expect(pkg.has('./dist/missing.js')).toBe(false);
  });

  test('install check | reads package.json and the file list of an npm tarball, whatever its top folder', async () => {
    const dir = packageFolder('tarball-src/package', { ...valid, name: 'from-tarball' }, { 'dist/provider.js': 'export default {}' });
    const tgz = join(work, 'p.tgz');
    await create({ gzip: true, file: tgz, cwd: join(dir, '..') }, ['package']);
    const pkg = await readLocalPackage(tgz);
    expect(pkg.pjson.name).toBe('from-tarball');
    expect(pkg.has('./dist/provider.js')).toBe(true);
    expect(pkg.has('dist/other.js')).toBe(false);
    const noEntry = packageFolder('tarball-src2/pkg', valid, {});
    await create({ gzip: true, file: join(work, 'q.tgz'), cwd: join(noEntry, '..') }, ['pkg']);
    expect(installProblem(await readLocalPackage(join(work, 'q.tgz')))).toMatch(/entry \.\/dist\/provider\.js is not in the package/);
  });

  test('install check | a file that is not a package tarball has no package.json', async () => {
    const junk = join(work, 'junk.tgz');
    writeFileSync(junk, 'not a tarball');
    await expect(readLocalPackage(junk)).rejects.toThrow();
  });
});
