/**
 * The built CLI as KServe runs it (`download SRC DEST`, credentials in KServe's variables), for the seed's
 * four scenarios, ?namespace= and a multi-pair call, with the model stored in each backend: HTTP origin, S3
 * (s3rver), GCS (fake JSON API), Azure Blob (Azurite) and HDFS (fake WebHDFS). One registry per backend.
 * Failures per backend: a missing object and refused credentials, with exit status and termination message.
 * The scenario × backend matrix is written to $MR_INIT_E2E_MATRIX (default: <tmpdir>/mr-init-e2e-matrix.json).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSeed, startModelRegistry, type TestRegistry } from '../servers/model-registry/index.js';
import { BACKENDS, fileDigests, modelFiles, startBackends, treeDigests, type BackendName, type ModelFile, type RunningBackends } from '../support/backends.js';
import { baseEnv, runCli, type CliResult } from '../support/cli.js';

const MATRIX_FILE = process.env.MR_INIT_E2E_MATRIX ?? join(tmpdir(), 'mr-init-e2e-matrix.json');
/** Per test and per CLI run: generous, since other suites share the 2 cores. */
const TIMEOUT = 120_000;
const NAMESPACE_HOST = 'model-registry-service.team-a.svc.cluster.local';

let running: RunningBackends;
let work: string;
const registries = {} as Record<BackendName, TestRegistry>;
const models = {} as Record<BackendName, { v1: ModelFile[]; v2: ModelFile[] }>;
const matrix: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  running = await startBackends();
  // DESTs on tmpfs when there is one (as an emptyDir with medium Memory): the engine's fsyncs then cost
  // nothing, so other suites writing to the shared disk cannot slow these runs down.
  work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mr-init-e2e-backends-'));
  writeFileSync(join(work, 'hosts'), `127.0.0.1 localhost\n127.0.0.1 ${NAMESPACE_HOST}\n`);
  for (const name of BACKENDS) {
    const backend = running.backends[name];
    // KServe's http form is one file; 1 MiB + a bit, so it too comes in several ranged parts.
    const make = (v: string): ModelFile[] => name === 'http'
      ? [{ path: 'model.joblib', body: randomBytes(1024 * 1024 + 77) }]
      : modelFiles(`iris-${v}-${name}`);
    models[name] = { v1: make('v1'), v2: make('v2') };
    const uris = { v1: await backend.put('iris/v1', models[name].v1), v2: await backend.put('iris/v2', models[name].v2) };
    registries[name] = await startModelRegistry({
      seed: defaultSeed({
        artifactUri: (m, v) => (m === 'iris' && (v === 'v1' || v === 'v2') ? uris[v] : backend.uri(`${encodeURIComponent(m)}/${encodeURIComponent(v)}`)),
      }),
    });
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(Object.values(registries).map((r) => r.close()));
  await running?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  const backends = [...BACKENDS];
  const table = [['scenario', ...backends], ...Object.entries(matrix).map(([s, row]) => [s, ...backends.map((b) => row[b] ?? '-')])];
  writeFileSync(MATRIX_FILE, JSON.stringify({ backends, matrix }, null, 2) + '\n');
  console.log(`e2e matrix (also in ${MATRIX_FILE}):\n${table.map((r) => r.join(' | ')).join('\n')}`);
});

afterEach(() => {
  // Keep tmpfs small: each test's DESTs are checked by then.
  for (const entry of readdirSync(work)) if (entry.startsWith('dest-')) rmSync(join(work, entry), { recursive: true, force: true });
});

/** Runs one cell of the matrix: 'pass' when `fn` passes, the failure's first line otherwise. */
async function cell(scenario: string, backend: BackendName, fn: () => Promise<void>): Promise<void> {
  matrix[scenario] ??= {};
  try {
    await fn();
    matrix[scenario][backend] = 'pass';
  } catch (error) {
    matrix[scenario][backend] = `FAIL: ${String((error as Error).message).split('\n').find((l) => l.trim()) ?? 'error'}`;
    throw error;
  }
}

let n = 0;
function dest(): string {
  return join(work, `dest-${++n}`);
}

/** KServe's environment for one backend: its credential variables, the registry address, small parts. */
function env(name: BackendName, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return baseEnv({
    MODEL_REGISTRY_BASE_URL: `127.0.0.1:${registries[name].port}`,
    MR_INIT_PART_SIZE: '256KiB',
    ...running.backends[name].env,
    ...extra,
  });
}

/** The run succeeded, DEST holds exactly `files` byte for byte, and no secret was printed. */
function expectModel(name: BackendName, result: CliResult, out: string, files: ModelFile[]): void {
  expect({ code: result.code, stderr: result.stderr.slice(-600) }).toMatchObject({ code: 0 });
  expect(treeDigests(out)).toEqual(fileDigests(files));
  for (const secret of running.backends[name].secrets) expect(result.stdout + result.stderr).not.toContain(secret);
}

async function failing(name: BackendName, src: string, extra: Record<string, string | undefined>) {
  const out = dest();
  const termination = join(work, `termination-${++n}`);
  const result = await runCli(['download', src, out], { env: env(name, { MR_INIT_TERMINATION_LOG: termination, ...extra }), timeoutMs: TIMEOUT });
  return { ...result, out, termination: existsSync(termination) ? readFileSync(termination, 'utf8').trim() : '' };
}

describe.each(BACKENDS.map((b) => [b]))('%s', (name) => {
  test.each([
    ['model-registry://iris/v1', 'v1'],
    ['model-registry://iris', 'v2'],
  ] as const)(`e2e ${name} | %s with MODEL_REGISTRY_BASE_URL lands %s byte for byte`, async (uri, version) => {
    await cell(uri, name, async () => {
      const out = dest();
      const backend = running.backends[name];
      const before = backend.rangedReads?.(`iris/${version}`);
      const result = await runCli(['download', uri, out], { env: env(name), timeoutMs: TIMEOUT });
      expectModel(name, result, out, models[name][version]);
      // The multi-MiB file came in 256 KiB parts (checked where the server records its requests).
      if (before !== undefined) expect(backend.rangedReads!(`iris/${version}`) - before).toBeGreaterThanOrEqual(4);
    });
  }, TIMEOUT);

  test.each([
    ['iris/v1', 'v1'],
    ['iris', 'v2'],
  ] as const)(`e2e ${name} | model-registry://127.0.0.1:<port>/%s uses the URI's registry and lands %s`, async (path, version) => {
    await cell(`model-registry://127.0.0.1:<port>/${path}`, name, async () => {
      const out = dest();
      // The default registry is a closed port: only the host in the URI can answer.
      const result = await runCli(['download', `model-registry://127.0.0.1:${registries[name].port}/${path}`, out],
        { env: env(name, { MODEL_REGISTRY_BASE_URL: '127.0.0.1:9' }), timeoutMs: TIMEOUT });
      expectModel(name, result, out, models[name][version]);
    });
  }, TIMEOUT);

  test(`e2e ${name} | ?namespace= reaches the in-cluster registry name`, async () => {
    await cell('model-registry://iris/v1?namespace=team-a', name, async () => {
      const out = dest();
      const result = await runCli(['download', 'model-registry://iris/v1?namespace=team-a', out], {
        env: env(name),
        timeoutMs: TIMEOUT,
        // A private mount namespace whose /etc/hosts knows the in-cluster name, as cluster DNS would.
        // bash, not sh: dash drops variables whose names are not identifiers, such as KServe's 127.0.0.1-headers.
        wrap: ['unshare', '--mount', 'bash', '-c', `mount --bind ${join(work, 'hosts')} /etc/hosts && exec "$0" "$@"`],
      });
      expectModel(name, result, out, models[name].v1);
    });
  }, TIMEOUT);

  test(`e2e ${name} | two SRC DEST pairs from two backends in one call`, async () => {
    const other = BACKENDS[(BACKENDS.indexOf(name) + 1) % BACKENDS.length]!;
    await cell(`multi-pair (second pair from the next backend)`, name, async () => {
      const a = dest();
      const b = dest();
      const result = await runCli(
        ['download', 'model-registry://iris/v1', a, `model-registry://127.0.0.1:${registries[other].port}/iris`, b],
        { env: env(name, running.backends[other].env), timeoutMs: TIMEOUT },
      );
      expectModel(name, result, a, models[name].v1);
      expect(treeDigests(b)).toEqual(fileDigests(models[other].v2));
    });
  }, TIMEOUT);

  test(`e2e ${name} | an artifact missing from storage → ErrStorageNotFound (exit 13), nothing in DEST`, async () => {
    await cell('missing object → ErrStorageNotFound', name, async () => {
      // doc-newest/v1's artifact URI points into this backend, where nothing was stored.
      const result = await failing(name, 'model-registry://doc-newest/v1', {});
      expect({ code: result.code, last: result.lastLine }).toEqual({ code: 13, last: expect.stringMatching(/^ErrStorageNotFound: /) });
      expect(result.termination).toBe(result.lastLine);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(result.out) ? Object.keys(treeDigests(result.out)) : []).toEqual([]);
    });
  }, TIMEOUT);

  test(`e2e ${name} | credentials the server refuses → ErrStorageAuth (exit 14), no secret printed`, async () => {
    await cell('wrong credentials → ErrStorageAuth', name, async () => {
      const result = await failing(name, 'model-registry://iris/v1', { ...running.backends[name].wrongEnv, MR_INIT_LOG_LEVEL: 'debug' });
      expect({ code: result.code, last: result.lastLine }).toEqual({ code: 14, last: expect.stringMatching(/^ErrStorageAuth: /) });
      expect(result.termination).toBe(result.lastLine);
      for (const secret of running.backends[name].secrets) expect(result.stdout + result.stderr + result.termination).not.toContain(secret);
      expect(existsSync(result.out) ? Object.keys(treeDigests(result.out)) : []).toEqual([]);
    });
  }, TIMEOUT);
});
