/**
 * CI does not run the benchmarks (they take minutes and want a quiet machine), so this at least keeps
 * every bench script loadable: a syntax error there once went unnoticed until someone ran `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const scripts = ['bench', 'bench/lib'].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => join(dir, f)));

test('bench | there are bench scripts to check', () => {
  expect(scripts).toEqual(expect.arrayContaining(['bench/run.mjs', 'bench/s3.mjs', 'bench/gcs.mjs']));
});

test.each(scripts)('bench | %s parses', (script) => {
  const result = spawnSync(process.execPath, ['--check', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});
