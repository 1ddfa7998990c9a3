import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SDK_DEPENDENCIES } from '../src/client.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function sources(): Promise<Array<[string, string]>> {
  const names = (await readdir(join(root, 'src'))).filter((n) => n.endsWith('.ts'));
  return Promise.all(names.map(async (n) => [n, await readFile(join(root, 'src', n), 'utf8')] as [string, string]));
}

test('lazy SDK | no source file imports the AWS SDK as a value at the top; client.ts imports it with await import()', async () => {
  for (const [name, text] of await sources()) {
    const eager = text.match(/^import\s+(?!type\s)[^;]*?from\s+['"]@aws-sdk\/[^'"]+['"]/gm) ?? [];
    expect([name, eager]).toEqual([name, []]);
    expect([name, /^import\s+['"]@aws-sdk\//m.test(text)]).toEqual([name, false]);
  }
  const client = (await sources()).find(([n]) => n === 'client.ts')![1];
  expect(client).toMatch(/import\(\s*'@aws-sdk\/client-s3'\s*\)/);
});

test('lazy SDK | every SDK the code imports at runtime is a dependency in package.json', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const imported = new Set<string>();
  for (const [, text] of await sources()) {
    for (const m of text.matchAll(/import\(\s*['"]((?:@[^/'"]+\/)?[^/'"]+)/g)) if (!m[1]!.startsWith('node:')) imported.add(m[1]!);
  }
  expect([...imported].sort()).toEqual([...SDK_DEPENDENCIES].sort());
  for (const name of SDK_DEPENDENCIES) expect(Object.keys(pkg.dependencies ?? {})).toContain(name);
});

test('manifest | package.json declares s3 and s3a, the entry and the contract major', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { mrInitProvider: Record<string, unknown>; oclif: unknown };
  expect(pkg.mrInitProvider).toMatchObject({ apiVersion: 1, entry: './dist/provider.js', schemes: ['s3', 's3a'] });
  expect(pkg.oclif).toEqual({});
});
