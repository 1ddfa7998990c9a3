/** Guards: dependency metadata matches the code, and webhdfs is only ever imported lazily from client.ts. */
import { readFile, readdir } from 'node:fs/promises';
import { PROVIDER_DEPENDENCIES } from '../src/provider.js';

const root = new URL('../', import.meta.url);

test('package | PROVIDER_DEPENDENCIES lists exactly the runtime dependencies in package.json', async () => {
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
  expect(Object.keys(pkg.dependencies).sort()).toEqual([...PROVIDER_DEPENDENCIES].sort());
  expect(pkg.mrInitProvider).toMatchObject({ apiVersion: 1, entry: './dist/provider.js', schemes: ['hdfs', 'webhdfs'] });
});

test('package | webhdfs is imported with import type at the top and await import() in client.ts only', async () => {
  const dir = new URL('src/', root);
  for (const name of await readdir(dir)) {
    const text = await readFile(new URL(name, dir), 'utf8');
    expect(text).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+'webhdfs'/m);
    expect(text.includes("import('webhdfs')")).toBe(name === 'client.ts');
  }
});
