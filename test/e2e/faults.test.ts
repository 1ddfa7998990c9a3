/**
 * The fault matrix, through the built CLI and provider-http against the fault-injecting origin: each
 * fault ends byte-identical or in one clear coded error, and no wrong file is ever visible in DEST.
 * Then the restart cases: kill -9 and SIGTERM mid-download, rerun, and a rerun on a complete DEST.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { startHttpOrigin, type HttpOrigin, type OriginFault } from '../servers/http-origin.js';
import { baseEnv, runCli } from '../support/cli.js';

const MiB = 1024 * 1024;
const body = randomBytes(4 * MiB);
const replacement = randomBytes(4 * MiB);
let origin: HttpOrigin;
let work: string;
let n = 0;

beforeAll(async () => {
  origin = await startHttpOrigin();
  work = mkdtempSync(join(tmpdir(), 'mr-init-faults-'));
});

afterAll(async () => {
  await origin.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  origin.clearFaults();
  origin.resetStats();
  origin.setFile('/m/model.bin', { body, contentMd5: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const visible = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : []);

function env(extra: Record<string, string> = {}) {
  return baseEnv({ MR_INIT_PART_SIZE: '256KiB', MR_INIT_CONNECTIONS: '8', MR_INIT_STALL_TIMEOUT: '2s', ...extra });
}

async function download(extra: Record<string, string> = {}, onSpawn?: (c: ChildProcess) => void) {
  const dest = join(work, `d${++n}`);
  const termination = join(work, `t${n}`);
  const result = await runCli(['download', `${origin.url}/m/model.bin`, dest],
    { env: env({ MR_INIT_TERMINATION_LOG: termination, ...extra }), ...(onSpawn ? { onSpawn } : {}) });
  return { ...result, dest, termination };
}

describe('fault matrix', () => {
  test.each<[string, OriginFault]>([
    ['a connection cut mid-body', { kind: 'cut', afterBytes: 100_000, times: 3 }],
    ['503 twice', { kind: 'status', status: 503, times: 2 }],
    ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: 1, times: 1 }],
    ['a stalled body', { kind: 'stall', afterBytes: 50_000, times: 1 }],
    ['a truncated body with a full Content-Length', { kind: 'truncate', afterBytes: 70_000, times: 2 }],
    ['one corrupted byte (checksum catches it, refetch once)', { kind: 'corrupt', at: 3 * MiB + 17, times: 1 }],
  ])('fault | %s → byte-identical', async (_name, fault) => {
    origin.fault('/m/model.bin', fault);
    const result = await download();
    expect({ code: result.code, last: result.lastLine }).toMatchObject({ code: 0 });
    expect(sha(readFileSync(join(result.dest, 'model.bin')))).toBe(sha(body));
  });

  test('fault | the object is replaced mid-download → the new version, whole, never a mix', async () => {
    origin.fault('/m/model.bin', { kind: 'replace', afterRequests: 3, body: replacement });
    const result = await download();
    expect(result.code).toBe(0);
    expect(sha(readFileSync(join(result.dest, 'model.bin')))).toBe(sha(replacement));
  });

  test.each<[string, string, number, OriginFault]>([
    ['a byte corrupted on every read', 'ErrChecksumMismatch', 16, { kind: 'corrupt', at: 1_000, times: 100 }],
    ['500 on every read', 'ErrStorageUnavailable', 15, { kind: 'status', status: 500, times: 1000 }],
    ['403 on every read', 'ErrStorageAuth', 14, { kind: 'status', status: 403, times: 1000 }],
  ])('fault | %s → %s (exit %i), nothing visible in DEST', async (_name, code, status, fault) => {
    origin.fault('/m/model.bin', fault);
    const result = await download({ MR_INIT_RETRIES: '2' });
    expect(result.code).toBe(status);
    expect(result.lastLine.startsWith(`${code}: `)).toBe(true);
    expect(readFileSync(result.termination, 'utf8').trim()).toBe(result.lastLine);
    expect(visible(result.dest)).toEqual([]);
  });
});

describe('restarts', () => {
  /** Waits until the staging journal shows completed parts, then returns. */
  async function untilPartsDone(dest: string): Promise<void> {
    const journal = join(dest, '.mr-init-staging', 'journal');
    for (let i = 0; i < 200; i++) {
      if (existsSync(journal)) {
        const lines = readdirSync(journal).flatMap((f) => readFileSync(join(journal, f), 'utf8').split('\n').filter((l) => l.includes('"done"')));
        if (lines.length >= 4) return;
      }
      await delay(50);
    }
    throw new Error('no part completed in time');
  }

  test.each(['SIGKILL', 'SIGTERM'] as const)('restart | %s mid-download, then a rerun completes, fetching less than the whole', async (signal) => {
    // One part stalls, so the run cannot finish before the signal lands; the others complete.
    origin.fault('/m/model.bin', { kind: 'stall', afterBytes: 10_000, times: 1 });
    const dest = join(work, `restart-${signal}`);
    let child: ChildProcess | undefined;
    const first = runCli(['download', `${origin.url}/m/model.bin`, dest],
      { env: env({ MR_INIT_STALL_TIMEOUT: '60s' }), onSpawn: (c) => { child = c; } });
    await untilPartsDone(dest);
    child!.kill(signal);
    const killed = await first;
    if (signal === 'SIGKILL') expect(killed.signal).toBe('SIGKILL');
    else {
      expect(killed.code).toBe(130);
      expect(killed.lastLine).toMatch(/^ErrInterrupted: stopped by SIGTERM/);
    }
    expect(visible(dest)).toEqual([]);

    origin.clearFaults();
    origin.resetStats();
    const second = await runCli(['download', `${origin.url}/m/model.bin`, dest], { env: env() });
    expect(second.code).toBe(0);
    expect(sha(readFileSync(join(dest, 'model.bin')))).toBe(sha(body));
    expect(origin.stats.bodyBytesSent).toBeGreaterThan(0);
    expect(origin.stats.bodyBytesSent).toBeLessThan(body.length);
  });

  test('restart | a rerun on a complete DEST fetches no body', async () => {
    const first = await download();
    expect(first.code).toBe(0);
    origin.resetStats();
    const again = await runCli(['download', `${origin.url}/m/model.bin`, first.dest], { env: env() });
    expect(again.code).toBe(0);
    expect(origin.stats.bodyBytesSent).toBe(0);
    expect(origin.stats.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(sha(readFileSync(join(first.dest, 'model.bin')))).toBe(sha(body));
  });
});
