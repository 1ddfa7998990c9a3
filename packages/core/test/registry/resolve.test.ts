import { registryBaseUrl } from '../../src/registry/options.js';
import { isNewer, isUsableModelArtifact } from '../../src/registry/resolve.js';
import { parseModelRegistryUri } from '../../src/uri/model-registry-uri.js';
import { API_PATH, defaultSeed, startModelRegistry, type TestRegistry } from '../../../../test/servers/model-registry/index.js';
import { MemoryLogger, optionsFor, rejection, resolveUri } from './helpers.js';

const uriOf = (m: string, v: string, a: string): string => `s3://bucket/${m}/${v}/${a}`;
let reg: TestRegistry;
let hostPort: string;

beforeAll(async () => {
  reg = await startModelRegistry({ seed: defaultSeed({ artifactUri: uriOf }) });
  hostPort = `127.0.0.1:${reg.port}`;
});

afterAll(async () => {
  await reg.close();
});

const opts = () => optionsFor(hostPort);
const versionCalls = (since: number): number =>
  reg.requests.slice(since).filter((r) => /\/registered_models\/\d+\/versions$/.test(r.path)).length;

describe('resolveModel', () => {
  test('registry resolve | model/version: the named version and its model artifact', async () => {
    const r = await resolveUri('model-registry://iris/v1', opts());
    expect(r).toEqual({
      registryUrl: `http://${hostPort}${API_PATH}`,
      model: { id: expect.any(String), name: 'iris' },
      version: { id: expect.any(String), name: 'v1', state: 'LIVE' },
      artifact: { id: expect.any(String), name: 'model', uri: uriOf('iris', 'v1', 'model'), state: 'LIVE' },
      warnings: [],
    });
    const modelCall = reg.requests.find((q) => q.path.endsWith('/registered_model') && q.query.name === 'iris');
    expect(modelCall).toBeDefined();
    const versionCall = reg.requests.find((q) => q.path.endsWith('/model_version') && q.query.name === 'v1');
    expect(versionCall?.query).toEqual({ name: 'v1', parentResourceId: r.model.id });
    const artifactCall = reg.requests.find((q) => q.path.endsWith(`/model_versions/${r.version.id}/artifacts`));
    expect(artifactCall?.query).toMatchObject({ artifactType: 'model-artifact', orderBy: 'CREATE_TIME', sortOrder: 'DESC' });
  });

  test('registry resolve | model alone: the latest LIVE version, by create time not id, ARCHIVED skipped', async () => {
    const r = await resolveUri('model-registry://iris', opts());
    // v3 is newer but ARCHIVED; v1 has the highest LIVE id but v2 was created later.
    expect(r.version.name).toBe('v2');
    expect(r.artifact.uri).toBe(uriOf('iris', 'v2', 'model'));
    expect(r.warnings).toEqual([]);
  });

  test('registry resolve | host:port/model/version and host:port/model use the URI host, not the configured one', async () => {
    const elsewhere = optionsFor('127.0.0.1:1');
    const named = await resolveUri(`model-registry://${hostPort}/iris/v1`, elsewhere);
    expect(named.version.name).toBe('v1');
    expect(named.registryUrl).toBe(`http://${hostPort}${API_PATH}`);
    const latest = await resolveUri(`model-registry://${hostPort}/iris`, elsewhere);
    expect(latest.version.name).toBe('v2');
  });

  test('registry resolve | a base URL with a path prefix is called under that prefix', async () => {
    const gw = await startModelRegistry({ basePath: '/gateway', seed: defaultSeed({ artifactUri: uriOf }) });
    try {
      const r = await resolveUri('model-registry://iris/v1', optionsFor(`${gw.url}/gateway`));
      expect(r.registryUrl).toBe(`${gw.url}/gateway${API_PATH}`);
      expect(gw.requests.every((q) => q.path.startsWith(`/gateway${API_PATH}/`))).toBe(true);
    } finally {
      await gw.close();
    }
  });

  test('registry resolve | ?namespace= calls <service>.<ns>.<domain>:<port>', async () => {
    const o = optionsFor(`127.0.0.1:${reg.port}`, { serviceName: 'mr', clusterDomain: 'cluster.invalid', retries: 0, timeoutMs: 2000 });
    const ref = parseModelRegistryUri('model-registry://iris/v1?namespace=team-a');
    const expected = `http://mr.team-a.cluster.invalid:${reg.port}${API_PATH}`;
    expect(registryBaseUrl(ref, o)).toBe(expected);
    // No such DNS name here: the error names the URL that was called.
    const error = await rejection(resolveUri('model-registry://iris/v1?namespace=team-a', o));
    expect(error.code).toBe('ErrRegistryUnreachable');
    expect(error.message).toContain(`${expected}/registered_model?name=iris`);
  });

  test('registry resolve | latest across several pages, also when the server pages small', async () => {
    let since = reg.requests.length;
    expect((await resolveUri('model-registry://paged', opts())).version.name).toBe('v030');
    expect(versionCalls(since)).toBe(2);
    reg.state.quirks.maxPageSize = 7;
    try {
      since = reg.requests.length;
      expect((await resolveUri('model-registry://paged', opts())).version.name).toBe('v030');
      expect(versionCalls(since)).toBe(Math.ceil(150 / 7));
    } finally {
      reg.state.quirks.maxPageSize = 1000;
    }
  });

  test('registry resolve | ties in create time go to the highest id, compared as numbers; times compare as numbers', async () => {
    expect((await resolveUri('model-registry://tied', opts())).version).toMatchObject({ name: 'b', id: '100000' });
    expect((await resolveUri('model-registry://lexical-time', opts())).version.name).toBe('new');
  });

  test('registry resolve | a newer doc artifact is skipped, even when the server ignores artifactType', async () => {
    expect((await resolveUri('model-registry://doc-newest/v1', opts())).artifact.name).toBe('model');
    reg.state.quirks.ignoreArtifactTypeFilter = true;
    try {
      const r = await resolveUri('model-registry://doc-newest/v1', opts());
      expect(r.artifact).toMatchObject({ name: 'model', uri: uriOf('doc-newest', 'v1', 'model') });
    } finally {
      reg.state.quirks.ignoreArtifactTypeFilter = false;
    }
  });

  test('registry resolve | newer DELETED, MARKED_FOR_DELETION and ABANDONED model artifacts are skipped, across pages', async () => {
    expect((await resolveUri('model-registry://deleted-newest/v1', opts())).artifact.name).toBe('model');
    const r = await resolveUri('model-registry://many-artifacts/v1', opts());
    expect(r.artifact).toMatchObject({ name: 'good', uri: uriOf('many-artifacts', 'v1', 'good') });
  });

  test('registry resolve | names with spaces and unicode, percent-encoded or not', async () => {
    expect((await resolveUri('model-registry://my%20model/v%201', opts())).artifact.uri).toBe(uriOf('my model', 'v 1', 'model'));
    expect((await resolveUri('model-registry://my model', opts())).version.name).toBe('v 1');
    const r = await resolveUri('model-registry://mod%C3%A8le-%E6%97%A5%E6%9C%AC/версия%201', opts());
    expect(r.model.name).toBe('modèle-日本');
    expect(r.artifact.uri).toBe(uriOf('modèle-日本', 'версия 1', 'model'));
  });

  test('registry resolve | an explicitly named ARCHIVED version is served with a warning', async () => {
    const logger = new MemoryLogger();
    const r = await resolveUri('model-registry://iris/v3', opts(), logger);
    expect(r.version).toMatchObject({ name: 'v3', state: 'ARCHIVED' });
    expect(r.artifact.uri).toBe(uriOf('iris', 'v3', 'model'));
    expect(r.warnings).toEqual([expect.stringMatching(/version "v3" of registered model "iris" is ARCHIVED/)]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(r.warnings);
  });

  test('registry resolve | two segments: when the model is missing, the first segment is tried as a host, then both readings are named', async () => {
    const logger = new MemoryLogger();
    const error = await rejection(resolveUri('model-registry://nosuchhost/iris', opts(), logger));
    expect(error.code).toBe('ErrRegisteredModelNotFound');
    expect(error.message).toMatch(/as model "nosuchhost" version "iris", registered model "nosuchhost" not found/);
    expect(error.message).toMatch(/no registered models found for name=nosuchhost/);
    expect(error.message).toMatch(/as registry host "nosuchhost" with model "iris", cannot reach the Model Registry: GET http:\/\/nosuchhost\/api\/model_registry\/v1alpha3\/registered_model\?name=iris/);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'info', fields: { host: 'nosuchhost', url: `http://nosuchhost${API_PATH}` } }));
    // a found model never triggers the second reading
    const quiet = new MemoryLogger();
    await resolveUri('model-registry://iris/v1', opts(), quiet);
    expect(quiet.text()).not.toMatch(/registry host/);
  });

  test('registry resolve | selection helpers compare ids and times as integers and check type and state', () => {
    expect(isNewer({ id: '2', createTimeSinceEpoch: '1000' }, { id: '9', createTimeSinceEpoch: '999' })).toBe(true);
    expect(isNewer({ id: '10', createTimeSinceEpoch: '5' }, { id: '9', createTimeSinceEpoch: '5' })).toBe(true);
    expect(isNewer({ id: '9', createTimeSinceEpoch: '5' }, { id: '10', createTimeSinceEpoch: '5' })).toBe(false);
    expect(isNewer({ id: '1' }, { id: '2', createTimeSinceEpoch: '0' })).toBe(false);
    expect(isNewer({ id: '12345678901234567890', createTimeSinceEpoch: '1' }, { id: '12345678901234567889', createTimeSinceEpoch: '1' })).toBe(true);
    expect(isUsableModelArtifact({ id: '1', artifactType: 'model-artifact', state: 'LIVE' })).toBe(true);
    expect(isUsableModelArtifact({ id: '1', artifactType: 'model-artifact' })).toBe(true);
    expect(isUsableModelArtifact({ id: '1', artifactType: 'model-artifact', state: 'PENDING' })).toBe(true);
    for (const state of ['DELETED', 'MARKED_FOR_DELETION', 'ABANDONED']) {
      expect(isUsableModelArtifact({ id: '1', artifactType: 'model-artifact', state })).toBe(false);
    }
    expect(isUsableModelArtifact({ id: '1', artifactType: 'doc-artifact', state: 'LIVE' })).toBe(false);
    expect(isUsableModelArtifact({ id: '1', state: 'LIVE' })).toBe(false);
  });
});
