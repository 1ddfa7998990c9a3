/**
 * Guard: starting mr-init, --help, --version, `providers` and a download of an http:// URI must not load
 * any cloud SDK, and must not import a provider that the URI does not need. A fixture provider whose
 * entry imports the AWS SDK at its top level proves the trace would see it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpOrigin, type HttpOrigin } from '../servers/http-origin.js';
import { makeAppRoot, officialPlugin, OFFICIAL_PLUGINS } from '../support/app-root.js';
import { baseEnv, REPO_ROOT, runCli } from '../support/cli.js';

const HEAVY = /node_modules\/(@aws-sdk|@google-cloud|@azure|@smithy|google-auth-library)\/|mr-init-provider-heavy\/provider\.js|heavy-provider\/provider\.js/;
const TRACER = join(REPO_ROOT, 'test/support/module-trace.mjs');

let origin: HttpOrigin;
let appRoot: string;
let work: string;

beforeAll(async () => {
  origin = await startHttpOrigin({ files: { '/models/model.onnx': { body: Buffer.from('onnx bytes') } } });
  appRoot = makeAppRoot({
    ...Object.assign({}, ...OFFICIAL_PLUGINS.map((p) => officialPlugin(p))),
    'mr-init-provider-heavy': join(REPO_ROOT, 'packages/core/test/fixtures/heavy-provider'),
  });
  work = mkdtempSync(join(tmpdir(), 'mr-init-lazy-'));
});

afterAll(async () => {
  await origin.close();
  rmSync(appRoot, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function traced(name: string, args: string[]): Promise<{ loaded: string[]; code: number | null; stderr: string; stdout: string }> {
  const trace = join(work, `${name}.trace`);
  const result = await runCli(args, {
    nodeArgs: ['--import', TRACER],
    env: baseEnv({ MR_INIT_APP_ROOT: appRoot, MR_INIT_MODULE_TRACE: trace }),
  });
  const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  return { loaded, code: result.code, stderr: result.stderr, stdout: result.stdout };
}

describe('lazy SDK loading', () => {
  test.each([
    ['version', ['--version']],
    ['help', ['--help']],
    ['download-help', ['download', '--help']],
    ['providers', ['providers']],
  ])('lazy | `mr-init %s` loads no cloud SDK and no provider entry', async (name, args) => {
    const { loaded, code } = await traced(name, args);
    expect(code).toBe(0);
    expect(loaded.length).toBeGreaterThan(10);
    expect(loaded.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  test('lazy | a download of an http:// URI loads only the HTTP provider', async () => {
    const dest = join(work, 'http-dest');
    const { loaded, code, stderr } = await traced('download-http', ['download', `${origin.url}/models/model.onnx`, dest]);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(readFileSync(join(dest, 'model.onnx'), 'utf8')).toBe('onnx bytes');
    expect(loaded.some((m) => m.includes('provider-http/dist/provider.js'))).toBe(true);
    expect(loaded.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  test('lazy | the trace does see a provider that imports an SDK when its URI is used', async () => {
    const { loaded } = await traced('heavy', ['resolve', 'heavy://bucket/model', '--list']);
    expect(loaded.some((m) => /heavy-provider\/provider\.js/.test(m))).toBe(true);
    expect(loaded.some((m) => /node_modules\/@aws-sdk\/client-s3\//.test(m))).toBe(true);
  });

  test('lazy | providers lists every installed plugin, the fixture included', async () => {
    const { stdout, code } = await traced('providers-json', ['providers', '--json']);
    expect(code).toBe(0);
    const names = (JSON.parse(stdout) as { providers: Array<{ package: string }> }).providers.map((p) => p.package).sort();
    expect(names).toEqual(['@mr-init/provider-azure', '@mr-init/provider-gcs', '@mr-init/provider-hdfs',
      '@mr-init/provider-http', '@mr-init/provider-s3', 'mr-init-provider-heavy']);
  });
});
