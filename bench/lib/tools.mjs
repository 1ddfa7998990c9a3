// The downloaders compared, each as the command line a user would type for "this one URL into that
// folder", with the parallelism the issue asks for. Every tool gets a fresh, empty folder.
import { join } from 'node:path';

/**
 * A tool: `id` (stable, for JSON), `label` (for tables), `note` (how it was run, for the report), and
 * `command({ url, dir, name, ctx })` → `{ cmd, args, output }` where `output` is the file it writes.
 */
export function mrInit({ cli, extraArgs = [], env = {}, label = 'mr-init', id = 'mr-init' }) {
  const envText = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  const custom = extraArgs.length > 0 || envText !== '';
  return {
    id,
    label,
    note: `\`${envText}node packages/core/bin/run.js download <url> <dir> --progress none${extraArgs.length ? ` ${extraArgs.join(' ')}` : ''}\`` +
      (custom ? '' : ' (defaults: 16 connections, 8 MiB parts, 64 MiB memory budget)'),
    command: ({ url, dir, name }) => ({
      cmd: process.execPath,
      args: [cli, 'download', url, dir, '--progress', 'none', ...extraArgs],
      env,
      output: join(dir, name),
    }),
  };
}

export const curl = {
  id: 'curl',
  label: 'curl',
  note: '`curl -sS -o <file> <url>` (one connection)',
  command: ({ url, dir, name }) => ({ cmd: 'curl', args: ['-sS', '-o', join(dir, name), url], output: join(dir, name) }),
};

export const aria2c = {
  id: 'aria2c',
  label: 'aria2c -x16',
  note: '`aria2c -q -x16 -s16 -k1M --file-allocation=falloc --allow-overwrite=true --auto-file-renaming=false -d <dir> -o <name> <url>`',
  command: ({ url, dir, name }) => ({
    cmd: 'aria2c',
    args: ['-q', '-x16', '-s16', '-k1M', '--file-allocation=falloc', '--allow-overwrite=true', '--auto-file-renaming=false',
      '-d', dir, '-o', name, url],
    output: join(dir, name),
  }),
};

/**
 * rclone: `copyurl` is one sequential stream in 1.60 (its --multi-thread-streams has no effect there),
 * so the file is copied from an on-the-fly `:http:` remote, which does ranged multi-thread downloads
 * into the local backend (measured: 16 streams of size/16 each, in the -vv log).
 */
export function rclone(configPath) {
  return {
    id: 'rclone',
    label: 'rclone (16 streams)',
    note: '`rclone copy --http-url <folder url> :http:<name> <dir> --multi-thread-streams 16 --multi-thread-cutoff 64Mi` (`copyurl` is single-stream)',
    command: ({ url, dir, name }) => ({
      cmd: 'rclone',
      args: ['--config', configPath, 'copy', '--http-url', url.slice(0, url.lastIndexOf('/') + 1), `:http:${name}`, dir,
        '--multi-thread-streams', '16', '--multi-thread-cutoff', '64Mi'],
      output: join(dir, name),
    }),
  };
}

/** Why `curl --parallel` has no row of figures: it parallelises across URLs, and every scenario is one file. */
export const CURL_PARALLEL_NA = '`curl --parallel` (`-Z`) runs several URLs at once; it does not split one file, and each scenario here is one file, so it does not apply.';
