/**
 * Guards on what a third-party package must get right besides its code: the `mrInitProvider` block the
 * core selects by, a loose dependency on the core, and type-only imports from it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROVIDER_API_VERSION } from '@mr-init/core';
import provider, { DRIVER_DEPENDENCIES } from '../src/provider.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>;

describe('package', () => {
  test('package | an oclif plugin with an mrInitProvider block for file://, built for this contract', () => {
    expect(pjson.oclif).toEqual({});
    expect(pjson.mrInitProvider).toEqual({ apiVersion: PROVIDER_API_VERSION, entry: './dist/provider.js', schemes: ['file'] });
    expect(pjson.name).toMatch(/^(@[^/]+\/)?mr-init-provider-[a-z0-9-]+$/);
  });

  test('package | the entry is the build of src/provider.ts, and the tarball holds it', () => {
    const entry = pjson.mrInitProvider.entry as string;
    expect(entry).toMatch(/^\.\/dist\/(.+)\.js$/);
    expect(existsSync(join(root, 'src', entry.replace(/^\.\/dist\/(.+)\.js$/, '$1.ts')))).toBe(true);
    expect(pjson.files).toEqual(['dist']);
    expect(pjson.type).toBe('module');
  });

  test('package | @mr-init/core is an optional peer (plus a devDependency), never a runtime dependency', () => {
    expect(pjson.peerDependencies?.['@mr-init/core']).toBeDefined();
    expect(pjson.peerDependenciesMeta?.['@mr-init/core']).toEqual({ optional: true });
    expect(pjson.devDependencies?.['@mr-init/core']).toBe(pjson.peerDependencies['@mr-init/core']);
    expect(pjson.dependencies?.['@mr-init/core']).toBeUndefined();
  });

  test('package | sources import only types from @mr-init/core, and only Node built-ins at run time', () => {
    const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.ts'));
    const runtime = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(join(root, 'src', file), 'utf8');
      for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        if (!m[1] && !m[2]!.startsWith('.')) runtime.add(m[2]!);
      }
    }
    expect([...runtime].filter((s) => !s.startsWith('node:'))).toEqual([...DRIVER_DEPENDENCIES]);
    expect(pjson.dependencies ?? {}).toEqual({});
  });

  test('package | the provider object names itself and declares its capabilities', () => {
    expect(provider.name).toBe('file');
    expect(provider.capabilities).toEqual({ rangedRead: true, prefixListing: true, checksums: ['md5', 'sha256'], versionPinning: true });
  });
});
