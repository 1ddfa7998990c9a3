/**
 * The built CLI, run as KServe runs it, against the test Model Registry and a local HTTP origin: the
 * seed's four scenarios, ?namespace=, and every registry-side failure with its exit status and last line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpOrigin, type HttpOrigin } from '../servers/http-origin.js';
import { defaultSeed, startModelRegistry, type TestRegistry } from '../servers/model-registry/index.js';
import { baseEnv, runCli, type CliResult } from '../support/cli.js';

let origin: HttpOrigin;
let registry: TestRegistry;
let work: string;
const bytes = { v1: Buffer.from('iris v1 model bytes\n'), v2: Buffer.from('iris v2 model bytes, newer\n') };

beforeAll(async () => {
  origin = await startHttpOrigin({
    files: {
      '/iris/v1/model.onnx': { body: bytes.v1, contentMd5: true },
      '/iris/v2/model.onnx': { body: bytes.v2 },
      '/my model/v 1/model.onnx': { body: Buffer.from('spaces') },
    },
  });
  registry = await startModelRegistry({
    seed: defaultSeed({ artifactUri: (m, v) => `${origin.url}/${encodeURIComponent(m)}/${encodeURIComponent(v)}/model.onnx` }),
  });
  work = mkdtempSync(join(tmpdir(), 'mr-init-e2e-'));
});

afterAll(async () => {
  await origin.close();
  await registry.close();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
function dest(): string {
  return join(work, `dest-${++n}`);
}

function env(extra: Record<string, string | undefined> = {}) {
  return baseEnv({ MODEL_REGISTRY_BASE_URL: `127.0.0.1:${registry.port}`, ...extra });
}

/** The files a model server would see (hidden bookkeeping excluded). */
function visible(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
}

describe('download model-registry:// → http', () => {
  test.each([
    ['model-registry://iris/v1', 'v1'],
    ['model-registry://iris', 'v2'],
  ])('e2e | %s with MODEL_REGISTRY_BASE_URL lands the %s file byte for byte', async (uri, version) => {
    const out = dest();
    const result = await runCli(['download', uri, out], { env: env() });
    expect({ code: result.code, last: result.lastLine }).toMatchObject({ code: 0 });
    expect(visible(out)).toEqual(['model.onnx']);
    expect(readFileSync(join(out, 'model.onnx'))).toEqual(bytes[version as 'v1' | 'v2']);
  });

  test.each([
    ['iris/v1', 'v1'],
    ['iris', 'v2'],
  ])('e2e | model-registry://127.0.0.1:<port>/%s uses the host in the URI', async (path, version) => {
    const out = dest();
    // The default registry points at a closed port: only the URI's host can answer.
    const result = await runCli(['download', `model-registry://127.0.0.1:${registry.port}/${path}`, out],
      { env: env({ MODEL_REGISTRY_BASE_URL: '127.0.0.1:9' }) });
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'model.onnx'))).toEqual(bytes[version as 'v1' | 'v2']);
  });

  test('e2e | ?namespace= resolves <service>.<ns>.<domain> on the base URL\'s port', async () => {
    const hosts = join(work, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.1 model-registry-service.team-a.svc.cluster.local\n');
    const out = dest();
    const result = await runCli(['download', 'model-registry://iris/v1?namespace=team-a', out], {
      env: env(),
      // A private mount namespace whose /etc/hosts knows the in-cluster name, as cluster DNS would.
      wrap: ['unshare', '--mount', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && exec "$0" "$@"`],
    });
    expect(result.stderr).not.toMatch(/Err/);
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'model.onnx'))).toEqual(bytes.v1);
    const resolved = await runCli(['resolve', '--json', 'model-registry://iris/v1?namespace=team-a'], { env: env(), wrap: ['unshare', '--mount', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && exec "$0" "$@"`] });
    expect(JSON.parse(resolved.stdout).registry.url).toBe(`http://model-registry-service.team-a.svc.cluster.local:${registry.port}/api/model_registry/v1alpha3`);
  });

  test('e2e | names with spaces and unicode are percent-decoded once', async () => {
    const out = dest();
    const result = await runCli(['download', 'model-registry://my%20model/v%201', out], { env: env() });
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'model.onnx'), 'utf8')).toBe('spaces');
  });

  test('e2e | resolve --json reports registry, model, version, artifact and provider', async () => {
    const result = await runCli(['resolve', '--json', 'model-registry://iris'], { env: env() });
    expect(result.code).toBe(0);
    const d = JSON.parse(result.stdout);
    expect(d).toMatchObject({
      source: 'model-registry://iris',
      storageUri: `${origin.url}/iris/v2/model.onnx`,
      registry: { url: `http://127.0.0.1:${registry.port}/api/model_registry/v1alpha3`, model: { name: 'iris' }, version: { name: 'v2', state: 'LIVE' } },
      provider: { package: '@mr-init/provider-http' },
    });
  });

  test('e2e | a 503 from the registry is retried and the download succeeds', async () => {
    registry.failNext(2, 503, { code: 'unavailable', message: 'warming up' });
    const out = dest();
    const result = await runCli(['download', 'model-registry://iris/v1', out], { env: env() });
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'model.onnx'))).toEqual(bytes.v1);
  });

  test('e2e | two SRC DEST pairs in one call (KServe multi-model form)', async () => {
    const a = dest();
    const b = dest();
    const result = await runCli(['download', 'model-registry://iris/v1', a, `${origin.url}/iris/v2/model.onnx`, b], { env: env() });
    expect(result.code).toBe(0);
    expect(readFileSync(join(a, 'model.onnx'))).toEqual(bytes.v1);
    expect(readFileSync(join(b, 'model.onnx'))).toEqual(bytes.v2);
  });
});

describe('failures: exit status and the one last line', () => {
  async function fails(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliResult & { termination: string; out: string }> {
    const termination = join(work, `termination-${++n}`);
    const out = args.length > 1 && args[0] === 'download' && args.length === 2 ? dest() : '';
    const result = await runCli(out ? [...args, out] : args, { env: env({ MR_INIT_TERMINATION_LOG: termination, ...extraEnv }) });
    let text = '';
    try {
      text = readFileSync(termination, 'utf8').trim();
    } catch {
      text = '';
    }
    return { ...result, termination: text, out };
  }

  test.each([
    ['model-registry://', 'ErrInvalidMRURI', 3],
    ['model-registry://iris/v1/extra/segment', 'ErrInvalidMRURI', 3],
    ['model-registry://nope/v1', 'ErrRegisteredModelNotFound', 6],
    ['model-registry://iris/v9', 'ErrModelVersionNotFound', 7],
    ['model-registry://archived-only', 'ErrNoVersionAssociated', 8],
    ['model-registry://no-artifacts/v1', 'ErrNoArtifactAssociated', 9],
    ['model-registry://doc-only/v1', 'ErrNoModelArtifact', 10],
    ['model-registry://empty-uri/v1', 'ErrModelArtifactEmptyURI', 11],
  ])('e2e | %s → %s (exit %i)', async (uri, code, status) => {
    const result = await fails(['download', uri]);
    expect(result.code).toBe(status);
    expect(result.lastLine.startsWith(`${code}: `)).toBe(true);
    expect(result.termination).toBe(result.lastLine);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('e2e | the registry\'s own message is in the line', async () => {
    registry.failNext(1, 404, { code: 'not-found', message: 'no model named nope in this registry' });
    const result = await fails(['download', 'model-registry://nope/v1']);
    expect(result.lastLine).toContain('no model named nope in this registry');
  });

  test('e2e | registry down → ErrRegistryUnreachable naming the URL, in bounded time', async () => {
    const result = await fails(['download', 'model-registry://127.0.0.1:9/iris/v1'], { MODEL_REGISTRY_RETRIES: '1' });
    expect(result.code).toBe(4);
    expect(result.lastLine).toMatch(/^ErrRegistryUnreachable: .*127\.0\.0\.1:9/);
  });

  test('e2e | a token the registry refuses → ErrRegistryAuth, and the token is printed nowhere', async () => {
    const secured = await startModelRegistry({ seed: defaultSeed(), token: 'the-right-token' });
    try {
      const result = await fails(['download', `model-registry://127.0.0.1:${secured.port}/iris/v1`],
        { MODEL_REGISTRY_TOKEN: 'a-wrong-token-value', MR_INIT_LOG_LEVEL: 'debug' });
      expect(result.code).toBe(5);
      expect(result.lastLine).toMatch(/^ErrRegistryAuth: /);
      expect(result.stderr + result.stdout + result.termination).not.toContain('a-wrong-token-value');
      expect(secured.requests.some((r) => r.authorization === 'Bearer a-wrong-token-value')).toBe(true);
    } finally {
      await secured.close();
    }
  });

  test('e2e | an artifact on storage no provider handles → ErrProtocolNotSupported naming the package', async () => {
    const other = await startModelRegistry({ seed: defaultSeed({ artifactUri: 'foo://bucket/iris' }) });
    try {
      const result = await fails(['download', `model-registry://127.0.0.1:${other.port}/iris/v1`]);
      expect(result.code).toBe(12);
      expect(result.lastLine).toMatch(/^ErrProtocolNotSupported: no installed provider handles foo:\/\//);
    } finally {
      await other.close();
    }
  });

  test('e2e | storage answers 404 → ErrStorageNotFound, nothing visible in DEST', async () => {
    const result = await fails(['download', `${origin.url}/missing/model.onnx`]);
    expect(result.code).toBe(13);
    expect(result.lastLine).toMatch(/^ErrStorageNotFound: /);
    let files: string[] = [];
    try {
      files = visible(result.out);
    } catch {
      files = [];
    }
    expect(files).toEqual([]);
  });

  test('e2e | an odd number of arguments → usage error, exit 1', async () => {
    const result = await runCli(['download', 'model-registry://iris/v1'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^ErrUsage: expected SRC DEST pairs, got 1 argument/);
  });

  test('e2e | a bad setting → ErrConfig naming the variable, exit 2', async () => {
    const result = await fails(['download', 'model-registry://iris/v1'], { MR_INIT_CONNECTIONS: 'many' });
    expect(result.code).toBe(2);
    expect(result.lastLine).toContain('from env MR_INIT_CONNECTIONS');
  });
});
