/** Runs the built `mr-init` CLI as a subprocess, as KServe runs it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${REPO_ROOT}packages/core/bin/run.js`;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last non-empty stderr line: KServe's termination message. */
  lastLine: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  nodeArgs?: string[];
  timeoutMs?: number;
  /** A command the CLI runs under, e.g. ['unshare', '--mount', …]; the node command line is appended. */
  wrap?: string[];
  /** Called with the child once spawned (e.g. to kill it mid-download). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** A clean environment: no inherited credentials or mr-init settings leak into a test. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    MR_INIT_TERMINATION_LOG: undefined,
  };
  return { ...env, ...extra };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const command = [...(options.wrap ?? []), process.execPath, ...(options.nodeArgs ?? []), CLI, ...args];
    const child = spawn(command[0]!, command.slice(1), {
      env: Object.fromEntries(Object.entries(options.env ?? baseEnv()).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      cwd: options.cwd ?? REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
      resolvePromise({ code, signal, stdout, stderr, lastLine: lines[lines.length - 1] ?? '' });
    });
  });
}
