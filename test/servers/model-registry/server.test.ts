import { httpGet } from './http-get.js';
import { API_PATH, defaultSeed, PAGED_VERSIONS, startModelRegistry, type TestRegistry } from './index.js';

type Entity = { id: string; name: string; state?: string; createTimeSinceEpoch: string; artifactType?: string; uri?: string };
type List = { items: Entity[]; size: number; pageSize: number; nextPageToken: string };

let reg: TestRegistry;

beforeAll(async () => {
  reg = await startModelRegistry({ seed: defaultSeed({ artifactUri: (m, v, a) => `http://127.0.0.1:1/${m}/${v}/${a}` }) });
});

afterAll(async () => {
  await reg.close();
});

const get = (path: string, query: Record<string, string> = {}) => httpGet(reg.url, API_PATH + path, query);
const model = async (name: string): Promise<Entity> => (await get('/registered_model', { name })).body as Entity;

describe('test model registry', () => {
  test('model registry server | ids are strings in seed order; iris v2 is newer than v1 but has a lower id', async () => {
    const iris = await model('iris');
    const versions = ((await get(`/registered_models/${iris.id}/versions`)).body as List).items;
    expect(versions.map((v) => v.name)).toEqual(['v2', 'v1', 'v3']);
    expect(versions.every((v) => typeof v.id === 'string' && /^[1-9]\d*$/.test(v.id))).toBe(true);
    const [v2, v1, v3] = versions;
    expect(Number(v2!.id)).toBeLessThan(Number(v1!.id));
    expect(Number(v2!.createTimeSinceEpoch)).toBeGreaterThan(Number(v1!.createTimeSinceEpoch));
    expect(v3!.state).toBe('ARCHIVED');
  });

  test('model registry server | orderBy CREATE_TIME DESC orders by time, ID ASC by numeric id', async () => {
    const iris = await model('iris');
    const byTime = ((await get(`/registered_models/${iris.id}/versions`, { orderBy: 'CREATE_TIME', sortOrder: 'DESC' })).body as List).items;
    expect(byTime.map((v) => v.name)).toEqual(['v3', 'v2', 'v1']);
    const tied = await model('tied');
    const byId = ((await get(`/registered_models/${tied.id}/versions`, { orderBy: 'ID', sortOrder: 'ASC' })).body as List).items;
    expect(byId.map((v) => v.id)).toEqual(['90000', '100000']);
  });

  test('model registry server | pages follow nextPageToken to the end, and a foreign token is refused', async () => {
    const paged = await model('paged');
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const body = (await get(`/registered_models/${paged.id}/versions`,
        { pageSize: '40', orderBy: 'CREATE_TIME', sortOrder: 'DESC', ...(token ? { nextPageToken: token } : {}) })).body as List;
      expect(body.size).toBe(body.items.length);
      seen.push(...body.items.map((v) => v.name));
      token = body.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(PAGED_VERSIONS);
    expect(seen[0]).toBe('v150');
    const first = (await get(`/registered_models/${paged.id}/versions`, { pageSize: '40' })).body as List;
    const iris = await model('iris');
    const foreign = await get(`/registered_models/${iris.id}/versions`, { nextPageToken: first.nextPageToken });
    expect(foreign.status).toBe(400);
  });

  test('model registry server | finds are exact, a duplicated name is a 404, a version needs its parent', async () => {
    expect((await get('/registered_model', { name: 'iri' })).status).toBe(404);
    const dup = await get('/registered_model', { name: 'dup' });
    expect(dup.status).toBe(404);
    expect((dup.body as { message: string }).message).toMatch(/multiple/);
    expect(((await get('/registered_model', { name: 'modèle-日本' })).body as Entity).name).toBe('modèle-日本');
    const spaced = await model('my model');
    expect(((await get('/model_version', { name: 'v 1', parentResourceId: spaced.id })).body as Entity).name).toBe('v 1');
    const iris = await model('iris');
    expect((await get('/model_version', { name: 'v 1', parentResourceId: iris.id })).status).toBe(404);
    expect((await get('/model_version', { name: 'v1' })).status).toBe(400);
  });

  test('model registry server | artifactType filters unless the ignore quirk is on; artifact URIs come from the seed', async () => {
    const doc = await model('doc-newest');
    const v1 = (await get('/model_version', { name: 'v1', parentResourceId: doc.id })).body as Entity;
    const path = `/model_versions/${v1.id}/artifacts`;
    const query = { artifactType: 'model-artifact', orderBy: 'CREATE_TIME', sortOrder: 'DESC' };
    expect(((await get(path, query)).body as List).items.map((a) => a.name)).toEqual(['model']);
    reg.state.quirks.ignoreArtifactTypeFilter = true;
    try {
      const items = ((await get(path, query)).body as List).items;
      expect(items.map((a) => a.artifactType)).toEqual(['doc-artifact', 'model-artifact']);
      expect(items[1]!.uri).toBe('http://127.0.0.1:1/doc-newest/v1/model');
    } finally {
      reg.state.quirks.ignoreArtifactTypeFilter = false;
    }
    const empty = await model('empty-uri');
    const ev1 = (await get('/model_version', { name: 'v1', parentResourceId: empty.id })).body as Entity;
    expect(((await get(`/model_versions/${ev1.id}/artifacts`)).body as List).items[0]!.uri).toBe('');
  });

  test('model registry server | maxPageSize caps pages whatever pageSize asks', async () => {
    reg.state.quirks.maxPageSize = 2;
    try {
      const body = (await get('/registered_models', { pageSize: '100' })).body as List;
      expect(body.items).toHaveLength(2);
      expect(body.pageSize).toBe(2);
      expect(body.nextPageToken).not.toBe('');
    } finally {
      reg.state.quirks.maxPageSize = 1000;
    }
  });

  test('model registry server | failNext answers the next n requests, status 0 drops the connection', async () => {
    reg.failNext(2, 503, undefined, { 'retry-after': '1' });
    const first = await get('/registered_model', { name: 'iris' });
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ code: '503', message: 'injected failure 503' });
    expect((await get('/registered_model', { name: 'iris' })).status).toBe(503);
    expect((await get('/registered_model', { name: 'iris' })).status).toBe(200);
    reg.failNext(1, 0);
    await expect(get('/registered_model', { name: 'iris' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await get('/registered_model', { name: 'iris' })).status).toBe(200);
  });

  test('model registry server | records method, path, decoded query and authorization', async () => {
    const before = reg.requests.length;
    await httpGet(reg.url, `${API_PATH}/registered_model`, { name: 'my model' }, { authorization: 'Bearer abc' });
    expect(reg.requests.slice(before)).toEqual([expect.objectContaining({
      method: 'GET', path: `${API_PATH}/registered_model`, query: { name: 'my model' }, authorization: 'Bearer abc', status: 200,
    })]);
  });

  test('model registry server | a token is required when set; basePath moves the API; other paths get a text 404', async () => {
    const guarded = await startModelRegistry({ token: 'sekret-token', basePath: '/gateway/' });
    try {
      const path = `/gateway${API_PATH}/registered_model`;
      const denied = await httpGet(guarded.url, path, { name: 'iris' });
      expect(denied.status).toBe(401);
      expect(denied.body).toEqual({ code: '401', message: expect.stringMatching(/bearer token/) });
      const ok = await httpGet(guarded.url, path, { name: 'iris' }, { authorization: 'Bearer sekret-token' });
      expect(ok.status).toBe(200);
      const outside = await httpGet(guarded.url, `${API_PATH}/registered_model`, { name: 'iris' }, { authorization: 'Bearer sekret-token' });
      expect(outside).toEqual({ status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found' });
    } finally {
      await guarded.close();
    }
  });
});
