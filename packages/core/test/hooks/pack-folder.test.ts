import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalPackage } from '../../src/hooks/install-check.js';
import { packFolder } from '../../src/hooks/pack-folder.js';

const work = mkdtempSync(join(tmpdir(), 'mr-init-pack-folder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// npm writes its cache and logs under HOME unless told otherwise; keep everything in the temp folder.
const env = { PATH: process.env.PATH, HOME: work, npm_config_cache: join(work, 'npm-cache'), npm_config_offline: 'true' };

function folder(name: string, pjson: Record<string, unknown>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pjson));
  writeFileSync(join(dir, 'dist/provider.js'), 'export default {}');
  writeFileSync(join(dir, 'notes.txt'), 'not in "files"');
  return dir;
}

describe('pack folder', () => {
  test('pack folder | packs what npm would publish into the destination, named after the package', async () => {
    const dir = folder('src', { name: '@acme/mr-init-provider-x', version: '2.1.0', files: ['dist'], scripts: { prepack: 'exit 1' } });
    const tgz = await packFolder(dir, join(work, 'packed'), env);
    expect(tgz).toBe(join(work, 'packed', 'acme-mr-init-provider-x-2.1.0.tgz'));
    const pkg = await readLocalPackage(tgz);
    expect(pkg.pjson.name).toBe('@acme/mr-init-provider-x');
    expect([pkg.has('dist/provider.js'), pkg.has('notes.txt')]).toEqual([true, false]);
  });

  test('pack folder | a folder npm refuses to pack rejects with npm\'s reason', async () => {
    const dir = folder('bad', {});
    writeFileSync(join(dir, 'package.json'), '{"name": "half-written",');
    await expect(packFolder(dir, join(work, 'packed'), env)).rejects.toThrow(/^npm pack failed: /);
  });
});
