/**
 * Azurite (Microsoft's Azure Storage emulator, from npm) as a child process, for tests that run the real
 * @azure/storage-blob SDK against a protocol-faithful server. In-memory, on 127.0.0.1 and an ephemeral port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Azurite's built-in development account (published in Microsoft's docs; not a secret). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  /** Path-style blob service URL, e.g. http://127.0.0.1:PORT/devstoreaccount1 */
  blobEndpoint: string;
  port: number;
  accountName: string;
  accountKey: string;
  connectionString: string;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

function azuriteBin(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('azurite/package.json');
  const manifest = require(manifestPath) as { bin: Record<string, string> };
  return join(dirname(manifestPath), manifest.bin['azurite-blob']!);
}

/** Starts Azurite's blob service and resolves once it accepts connections. */
export async function startAzurite(): Promise<AzuriteServer> {
  // Azurite writes nothing with --inMemoryPersistence, but run it in a scratch folder so a stray file
  // (debug log, telemetry state) can never land in the repository.
  const cwd = await mkdtemp(join(tmpdir(), 'mr-init-azurite-'));
  const args = [
    azuriteBin(),
    '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry',
    '--extentMemoryLimit', '256',
    // Port 0: the kernel picks a free port and Azurite prints it, so there is no probe-then-bind race.
    '--blobHost', '127.0.0.1', '--blobPort', '0',
  ];
  // detached: own process group, so close() can signal Azurite and anything it spawned.
  const child = spawn(process.execPath, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  let port: number;
  try {
    port = await waitForListening(child);
  } catch (error) {
    await stop(child);
    await rm(cwd, { recursive: true, force: true });
    throw error;
  }

  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
  return {
    blobEndpoint,
    port,
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobEndpoint};`,
    async close() {
      await stop(child);
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`azurite did not start within ${STARTUP_TIMEOUT_MS} ms: ${output}`)),
      STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listens on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (match) finish(undefined, Number(match[1]));
    };
    const onExit = (code: number | null): void => finish(new Error(`azurite exited (${code}) before listening: ${output}`));
    const finish = (error?: Error, port?: number): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining its output so a chatty Azurite never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) reject(error); else resolve(port!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS); });
  const forced = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (forced) {
    signalGroup(child, 'SIGKILL');
    await exited;
  }
  // Kill whatever is left in the group (a grandchild that ignored SIGTERM).
  signalGroup(child, 'SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
