import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createResponseValidator, OPENAPI_PATH, OPENAPI_SHA256, type ResponseValidator } from './openapi-validator.js';
import { httpGet, type RawReply } from './http-get.js';
import { API_PATH, defaultSeed, startModelRegistry, type TestRegistry } from './index.js';

const TOKEN = 'walk-token-0123456789';
type Entity = { id: string; name: string };
type List = { items: Entity[]; nextPageToken: string };

let reg: TestRegistry;
let validator: ResponseValidator;

beforeAll(async () => {
  const seed = defaultSeed({ artifactUri: (m, v, a) => `https://storage.example/${m}/${v}/${a}` });
  // One artifact of every type, so every branch of the Artifact oneOf is served and checked.
  seed.models.push({
    name: 'all-types', createTimeSinceEpoch: 1,
    versions: [{
      name: 'v1', createTimeSinceEpoch: 2,
      artifacts: [
        { name: 'm', artifactType: 'model-artifact', uri: 's3://b/m', createTimeSinceEpoch: 3, state: 'PENDING' },
        { name: 'd', artifactType: 'doc-artifact', uri: 's3://b/d', createTimeSinceEpoch: 4 },
        { name: 'ds', artifactType: 'dataset-artifact', uri: 's3://b/ds', createTimeSinceEpoch: 5, state: 'REFERENCE' },
        { name: 'acc', artifactType: 'metric', createTimeSinceEpoch: 6 },
        { name: 'lr', artifactType: 'parameter', createTimeSinceEpoch: 7, state: 'UNKNOWN' },
      ],
    }],
  });
  reg = await startModelRegistry({ seed, token: TOKEN });
  validator = createResponseValidator();
});

afterAll(async () => {
  await reg.close();
});

function get(path: string, query: Record<string, string> = {}, auth: string | null = `Bearer ${TOKEN}`): Promise<RawReply> {
  return httpGet(reg.url, API_PATH + path, query, auth === null ? {} : { authorization: auth });
}

async function expectGet(path: string, query: Record<string, string>, status: number, auth?: string | null): Promise<RawReply> {
  const reply = await get(path, query, auth);
  expect({ path, query, status: reply.status }).toEqual({ path, query, status });
  return reply;
}

async function allPages(path: string, query: Record<string, string>, pageSize: string): Promise<Entity[]> {
  const items: Entity[] = [];
  let token = '';
  do {
    const body = (await expectGet(path, { ...query, pageSize, ...(token ? { nextPageToken: token } : {}) }, 200)).body as List;
    items.push(...body.items);
    token = body.nextPageToken;
  } while (token !== '');
  return items;
}

function problemsOf(reply: RawReply, path: string): string[] {
  return validator.validate('GET', API_PATH + path, reply.status, reply.contentType, reply.body);
}

describe('test model registry vs openapi.yaml', () => {
  test('openapi | the contract fixture is the verbatim upstream file', () => {
    expect(createHash('sha256').update(readFileSync(OPENAPI_PATH)).digest('hex')).toBe(OPENAPI_SHA256);
  });

  test('openapi | every response of a walk over all endpoints, errors and paging matches the contract', async () => {
    reg.requests.length = 0;
    const iris = (await expectGet('/registered_model', { name: 'iris' }, 200)).body as Entity;
    await expectGet('/registered_model', { name: 'my model' }, 200);
    await expectGet('/registered_model', { name: 'modèle-日本' }, 200);
    await expectGet('/registered_model', { name: 'no-such-model' }, 404);
    await expectGet('/registered_model', { name: 'dup' }, 404);
    await expectGet(`/registered_models/${iris.id}`, {}, 200);
    await expectGet('/registered_models/999999', {}, 404);
    expect(await allPages('/registered_models', {}, '4')).toHaveLength(reg.state.models.length);
    for (const orderBy of ['CREATE_TIME', 'LAST_UPDATE_TIME', 'ID']) {
      for (const sortOrder of ['ASC', 'DESC']) {
        await expectGet(`/registered_models/${iris.id}/versions`, { orderBy, sortOrder }, 200);
      }
    }
    await expectGet(`/registered_models/${iris.id}/versions`, { name: 'v1' }, 200);
    const paged = (await expectGet('/registered_model', { name: 'paged' }, 200)).body as Entity;
    expect(await allPages(`/registered_models/${paged.id}/versions`, { orderBy: 'CREATE_TIME', sortOrder: 'DESC' }, '100'))
      .toHaveLength(150);
    await expectGet('/registered_models/999999/versions', {}, 404);

    const v1 = (await expectGet('/model_version', { name: 'v1', parentResourceId: iris.id }, 200)).body as Entity;
    await expectGet('/model_version', { name: 'v9', parentResourceId: iris.id }, 404);
    await expectGet('/model_version', { name: 'v1', parentResourceId: 'not-a-number' }, 400);
    await expectGet(`/model_versions/${v1.id}`, {}, 200);
    await expectGet('/model_versions/999999', {}, 404);
    await allPages('/model_versions', { orderBy: 'ID' }, '50');

    const allTypes = (await expectGet('/registered_model', { name: 'all-types' }, 200)).body as Entity;
    const allTypesV1 = (await expectGet('/model_version', { name: 'v1', parentResourceId: allTypes.id }, 200)).body as Entity;
    const mixed = (await expectGet(`/model_versions/${allTypesV1.id}/artifacts`, {}, 200)).body as List;
    expect(mixed.items).toHaveLength(5);
    for (const artifactType of ['model-artifact', 'doc-artifact', 'dataset-artifact', 'metric', 'parameter']) {
      const one = (await expectGet(`/model_versions/${allTypesV1.id}/artifacts`, { artifactType }, 200)).body as List;
      expect(one.items).toHaveLength(1);
    }
    await expectGet(`/model_versions/${v1.id}/artifacts`,
      { artifactType: 'model-artifact', orderBy: 'CREATE_TIME', sortOrder: 'DESC' }, 200);
    const many = (await expectGet('/registered_model', { name: 'many-artifacts' }, 200)).body as Entity;
    const manyV1 = (await expectGet('/model_version', { name: 'v1', parentResourceId: many.id }, 200)).body as Entity;
    expect(await allPages(`/model_versions/${manyV1.id}/artifacts`, { artifactType: 'model-artifact' }, '100')).toHaveLength(120);
    await expectGet('/model_versions/999999/artifacts', {}, 404);

    const artifacts = await allPages('/artifacts', {}, '100');
    await expectGet('/artifacts', { artifactType: 'doc-artifact' }, 200);
    await expectGet(`/artifacts/${artifacts[0]!.id}`, {}, 200);
    await expectGet('/artifacts/999999', {}, 404);
    const models = await allPages('/model_artifacts', {}, '100');
    await expectGet(`/model_artifacts/${models[0]!.id}`, {}, 200);

    await expectGet('/registered_model', { name: 'iris' }, 401, null);
    await expectGet('/registered_models', {}, 401, 'Bearer wrong-token');
    reg.failNext(1, 500);
    await expectGet('/registered_model', { name: 'iris' }, 500);
    reg.failNext(1, 503, { code: '503', message: 'database is starting' });
    await expectGet(`/registered_models/${iris.id}/versions`, {}, 503);

    // Every response the server gave during the walk, from its own log.
    const problems = reg.requests.flatMap((r) => validator.validate(r.method, r.path, r.status, r.contentType, r.body));
    expect(problems).toEqual([]);
    expect(new Set(reg.requests.map((r) => r.status))).toEqual(new Set([200, 400, 401, 404, 500, 503]));
    expect(reg.requests.length).toBeGreaterThan(50);
  });

  test('openapi | a numeric id or timestamp served by the registry fails validation', async () => {
    const iris = reg.state.models.find((m) => m.name === 'iris')!;
    const { id, createTimeSinceEpoch } = iris;
    try {
      (iris as unknown as { id: number }).id = Number(id);
      const reply = await get('/registered_model', { name: 'iris' });
      expect(reply.status).toBe(200);
      expect(problemsOf(reply, '/registered_model').join('\n')).toMatch(/\/id must be string/);
      iris.id = id;
      (iris as unknown as { createTimeSinceEpoch: number }).createTimeSinceEpoch = Number(createTimeSinceEpoch);
      const again = await get('/registered_model', { name: 'iris' });
      expect(problemsOf(again, '/registered_model').join('\n')).toMatch(/\/createTimeSinceEpoch must be string/);
    } finally {
      iris.id = id;
      iris.createTimeSinceEpoch = createTimeSinceEpoch;
    }
  });

  test('openapi | an artifact with an unknown type or state, or a list without nextPageToken, fails validation', async () => {
    const version = reg.state.versions.find((v) => v.name === 'v1' && reg.state.models.find((m) => m.id === v.registeredModelId)?.name === 'iris')!;
    const path = `/model_versions/${version.id}/artifacts`;
    const good = await get(path);
    expect(problemsOf(good, path)).toEqual([]);
    const body = good.body as { items: Array<Record<string, unknown>>; nextPageToken?: string };
    const withType = structuredClone(body);
    withType.items[0]!.artifactType = 'weights';
    expect(problemsOf({ ...good, body: withType }, path).join('\n')).toMatch(/artifactType must be equal to one of the allowed values/);
    const withState = structuredClone(body);
    withState.items[0]!.state = 'GONE';
    expect(problemsOf({ ...good, body: withState }, path).join('\n')).toMatch(/\/items\/0\/state must be equal to one of the allowed values/);
    const noToken = structuredClone(body);
    delete noToken.nextPageToken;
    expect(problemsOf({ ...good, body: noToken }, path).join('\n')).toMatch(/must have required property 'nextPageToken'/);
    expect(problemsOf({ ...good, contentType: 'text/plain' }, path).join('\n')).toMatch(/not application\/json/);
    expect(validator.validate('GET', `${API_PATH}${path}`, 418, 'application/json', {})).toEqual([
      `GET /api/model_registry/v1alpha3/model_versions/{modelversionId}/artifacts: status 418 is not documented`,
    ]);
  });

  test('openapi | without the discriminator rewrite the spec rejects a valid artifact list', async () => {
    const version = reg.state.versions.find((v) => v.name === 'v1' && reg.state.models.find((m) => m.id === v.registeredModelId)?.name === 'iris')!;
    const path = `/model_versions/${version.id}/artifacts`;
    const reply = await get(path);
    expect(problemsOf(reply, path)).toEqual([]);
    const raw = createResponseValidator('', { rewrite: false });
    expect(raw.validate('GET', API_PATH + path, reply.status, reply.contentType, reply.body).join('\n'))
      .toMatch(/must match exactly one schema in oneOf/);
  });
});
