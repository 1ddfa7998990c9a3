/**
 * Guards the lazy-SDK rule and the package metadata: the SDKs are imported only with `import type` at the
 * top of a file and with `await import()` in client.ts; SDK_DEPENDENCIES matches package.json; the
 * manifest claims the hosts the URI parser accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SDK_DEPENDENCIES } from '../src/client.js';
import { parseAzureUri } from '../src/uri.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  mrInitProvider: { schemes: string[]; hosts: { https: string[] }; entry: string; apiVersion: number };
};
const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(root, 'src', f), 'utf8') }));

test('lazy SDK | no value import of an SDK at the top of any source file', () => {
  for (const { file, text } of sources) {
    const valueImports = text.split('\n').filter((line) => /^\s*import\s+(?!type\b)[^;]*from\s+'@azure\//.test(line) ||
      /^\s*export\s+(?!type\b)[^;]*from\s+'@azure\//.test(line));
    expect({ file, valueImports }).toEqual({ file, valueImports: [] });
  }
});

test('lazy SDK | dynamic imports of SDKs live in client.ts only', () => {
  for (const { file, text } of sources) {
    const dynamic = [...text.matchAll(/import\('(@azure\/[^']+)'\)/g)].map((m) => m[1]);
    expect({ file, dynamic }).toEqual({ file, dynamic: file === 'client.ts' ? [...SDK_DEPENDENCIES] : [] });
  }
});

test('metadata | SDK_DEPENDENCIES are exactly the package\'s dependencies', () => {
  expect([...SDK_DEPENDENCIES].sort()).toEqual(Object.keys(manifest.dependencies).sort());
});

test('metadata | every claimed host pattern is accepted by the URI parser, for https and wasbs', () => {
  expect(manifest.mrInitProvider).toMatchObject({ apiVersion: 1, entry: './dist/provider.js' });
  // Hosts narrow only https (shared with provider-http); wasbs/abfs URIs may name a bare account.
  expect(Object.keys(manifest.mrInitProvider.hosts)).toEqual(['https']);
  for (const pattern of manifest.mrInitProvider.hosts.https) {
    const host = pattern.replace(/^\*\./, 'acct.');
    expect(parseAzureUri(new URL(`https://${host}/c/p`)).account).toBe('acct');
    expect(parseAzureUri(new URL(`wasbs://c@${host}/p`)).serviceUrl).toMatch(/^https:\/\/acct\.(?:[a-z0-9]+\.)?blob\./);
  }
  for (const scheme of manifest.mrInitProvider.schemes) {
    expect(() => parseAzureUri(new URL(`${scheme}://c@acct.blob.core.windows.net/p`))).not.toThrow();
  }
});
