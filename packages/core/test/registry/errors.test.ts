import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PATH, defaultSeed, startModelRegistry, type TestRegistry } from '../../../../test/servers/model-registry/index.js';
import { MemoryLogger, optionsFor, rejection, resolveUri } from './helpers.js';

const TOKEN = 'tok-5ecret-7d9f2a';
let reg: TestRegistry;
let guarded: TestRegistry;
let dir: string;

beforeAll(async () => {
  reg = await startModelRegistry({ seed: defaultSeed() });
  guarded = await startModelRegistry({ seed: defaultSeed(), token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'mr-init-registry-'));
});

afterAll(async () => {
  await reg.close();
  await guarded.close();
  rmSync(dir, { recursive: true, force: true });
});

const opts = () => optionsFor(`127.0.0.1:${reg.port}`);
const fail = async (uri: string, o = opts()) => rejection(resolveUri(uri, o));

describe('resolveModel errors', () => {
  test('registry errors | unknown or ambiguous model → ErrRegisteredModelNotFound with the server message', async () => {
    const missing = await fail('model-registry://no-such-model');
    expect(missing.code).toBe('ErrRegisteredModelNotFound');
    expect(missing.message).toBe(`registered model "no-such-model" not found in the Model Registry at ` +
      `http://127.0.0.1:${reg.port}${API_PATH} (server: no registered models found for name=no-such-model, externalId=: not found)`);
    const dup = await fail('model-registry://dup');
    expect(dup.code).toBe('ErrRegisteredModelNotFound');
    expect(dup.message).toMatch(/multiple registered models found for name=dup/);
  });

  test('registry errors | unknown version → ErrModelVersionNotFound with the server message', async () => {
    const error = await fail('model-registry://iris/v9');
    expect(error.code).toBe('ErrModelVersionNotFound');
    expect(error.message).toMatch(/^version "v9" of registered model "iris" \(id \d+\) not found in the Model Registry at http:\/\/127\.0\.0\.1:\d+\/api\/model_registry\/v1alpha3 \(server: no model versions found for name=v9, parentResourceId=\d+: not found\)$/);
  });

  test('registry errors | no LIVE version → ErrNoVersionAssociated saying how many are archived', async () => {
    const archived = await fail('model-registry://archived-only');
    expect(archived.code).toBe('ErrNoVersionAssociated');
    expect(archived.message).toMatch(/registered model "archived-only" \(id \d+\) has no LIVE version: all 2 of its versions are ARCHIVED/);
    const none = await fail('model-registry://no-versions');
    expect(none.code).toBe('ErrNoVersionAssociated');
    expect(none.message).toMatch(/"no-versions" \(id \d+\) has no versions$/);
  });

  test('registry errors | no artifacts → ErrNoArtifactAssociated; none usable → ErrNoModelArtifact saying what was found', async () => {
    const none = await fail('model-registry://no-artifacts/v1');
    expect(none.code).toBe('ErrNoArtifactAssociated');
    expect(none.message).toMatch(/^version "v1" \(id \d+\) of registered model "no-artifacts" has no artifacts$/);
    const docOnly = await fail('model-registry://doc-only/v1');
    expect(docOnly.code).toBe('ErrNoModelArtifact');
    expect(docOnly.message).toMatch(/has no usable model-artifact; found 1 artifact: doc-artifact "readme" \(id \d+, LIVE\)$/);
    const deleted = await fail('model-registry://deleted-only');
    expect(deleted.code).toBe('ErrNoModelArtifact');
    expect(deleted.message).toMatch(/found 1 artifact: model-artifact "model" \(id \d+, DELETED\)$/);
  });

  test('registry errors | empty artifact uri → ErrModelArtifactEmptyURI', async () => {
    const error = await fail('model-registry://empty-uri/v1');
    expect(error.code).toBe('ErrModelArtifactEmptyURI');
    expect(error.message).toMatch(/the newest model artifact "model" \(id \d+\) of version "v1" .* has an empty uri/);
  });

  test('registry errors | 401 and 403 → ErrRegistryAuth with the server message, not retried', async () => {
    const before = guarded.requests.length;
    const noToken = await fail('model-registry://iris', optionsFor(`127.0.0.1:${guarded.port}`));
    expect(noToken.code).toBe('ErrRegistryAuth');
    expect(noToken.message).toMatch(/refused the lookup of registered model "iris" \(GET http:.*\/registered_model\?name=iris, HTTP 401: unauthorized: a valid bearer token is required\)/);
    expect(noToken.hint).toMatch(/Set MODEL_REGISTRY_TOKEN/);
    expect(guarded.requests.length - before).toBe(1);
    reg.failNext(1, 403, { code: '403', message: 'user alice cannot get registeredmodels' });
    const forbidden = await fail('model-registry://iris');
    expect(forbidden.code).toBe('ErrRegistryAuth');
    expect(forbidden.message).toMatch(/HTTP 403: user alice cannot get registeredmodels/);
  });

  test('registry errors | the token is sent, re-read from its file on each run, and never in errors or logs', async () => {
    const ok = await resolveUri('model-registry://iris/v1', optionsFor(`127.0.0.1:${guarded.port}`, { token: TOKEN }));
    expect(ok.version.name).toBe('v1');
    expect(guarded.requests.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);

    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const fromFile = optionsFor(`127.0.0.1:${guarded.port}`, { tokenFile: file });
    expect((await resolveUri('model-registry://iris', fromFile)).version.name).toBe('v2');
    // The projected token rotates: the next run must send the new one.
    const rotated = 'rotated-9f8e7d6c';
    writeFileSync(file, rotated);
    const logger = new MemoryLogger();
    const before = guarded.requests.length;
    const denied = await rejection(resolveUri('model-registry://iris', fromFile, logger));
    expect(guarded.requests.slice(before).map((r) => r.authorization)).toEqual([`Bearer ${rotated}`]);
    expect(denied.code).toBe('ErrRegistryAuth');
    expect(denied.hint).toMatch(/token was rejected/);

    // A server that echoes the token back: the error and the logs still do not carry it.
    guarded.failNext(2, 503, { code: '503', message: `backend refused Authorization: Bearer ${TOKEN}` });
    const echoed = await rejection(resolveUri('model-registry://iris', optionsFor(`127.0.0.1:${guarded.port}`, { token: TOKEN }), logger));
    expect(echoed.code).toBe('ErrRegistryUnreachable');
    expect(echoed.message).toMatch(/backend refused Authorization: Bearer REDACTED/);
    for (const text of [echoed.message, echoed.toLine(), String(echoed.stack), denied.message, denied.toLine(), logger.text()]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(rotated);
    }
  });

  test('registry errors | unreadable or empty token and CA files → ErrConfig naming the variable', async () => {
    const missing = await fail('model-registry://iris', optionsFor(`127.0.0.1:${reg.port}`, { tokenFile: join(dir, 'absent') }));
    expect(missing.code).toBe('ErrConfig');
    expect(missing.message).toMatch(/^MODEL_REGISTRY_TOKEN_FILE ".*absent" cannot be read \(ENOENT\)$/);
    const emptyFile = join(dir, 'empty');
    writeFileSync(emptyFile, '  \n');
    expect((await fail('model-registry://iris', optionsFor(`127.0.0.1:${reg.port}`, { tokenFile: emptyFile }))).message).toMatch(/is empty/);
    const twoWords = join(dir, 'two-words');
    writeFileSync(twoWords, 'secret-part-one secret-part-two');
    const broken = await fail('model-registry://iris', optionsFor(`127.0.0.1:${reg.port}`, { tokenFile: twoWords }));
    expect(broken.message).toMatch(/does not hold a single token/);
    expect(broken.message).not.toContain('secret-part');
    const ca = await fail('model-registry://iris', optionsFor(`127.0.0.1:${reg.port}`, { caFile: emptyFile }));
    expect(ca.code).toBe('ErrConfig');
    expect(ca.message).toMatch(/^MODEL_REGISTRY_CA_FILE .* holds no PEM certificate/);
  });

  test('registry errors | 5xx after every retry → ErrRegistryUnreachable naming the URL, attempts and server message', async () => {
    reg.failNext(2, 500, { code: '500', message: 'database connection lost' });
    const error = await fail('model-registry://iris');
    expect(error.code).toBe('ErrRegistryUnreachable');
    expect(error.message).toBe(`the Model Registry failed the lookup of registered model "iris" after 2 attempts ` +
      `(GET http://127.0.0.1:${reg.port}${API_PATH}/registered_model?name=iris, HTTP 500: database connection lost)`);
  });

  test('registry errors | other 4xx: 400/422 → ErrInvalidMRURI, 409 and redirects → ErrConfig, all with the status', async () => {
    reg.failNext(1, 400, { code: '400', message: 'invalid name: must be printable ASCII' });
    const bad = await fail('model-registry://iris');
    expect(bad.code).toBe('ErrInvalidMRURI');
    expect(bad.message).toMatch(/rejected the lookup of registered model "iris" as invalid .*HTTP 400: invalid name: must be printable ASCII/);
    reg.failNext(1, 409, { code: '409', message: 'conflict' });
    const conflict = await fail('model-registry://iris');
    expect(conflict.code).toBe('ErrConfig');
    expect(conflict.message).toMatch(/unexpected status .*HTTP 409: conflict/);
    reg.failNext(1, 302, '', { location: 'https://login.example.com/oauth/start?rd=secret-state', 'content-type': 'text/html' });
    const redirect = await fail('model-registry://iris');
    expect(redirect.code).toBe('ErrConfig');
    expect(redirect.message).toMatch(/redirected .*HTTP 302 to https:\/\/login\.example\.com\/oauth\/start\)/);
    expect(redirect.message).not.toContain('secret-state');
  });

  test('registry errors | a server that is not the registry API → ErrRegistryUnreachable explaining what came back', async () => {
    const wrongPath = await fail('model-registry://iris', optionsFor(`${reg.url}/not-the-prefix`));
    expect(wrongPath.code).toBe('ErrRegistryUnreachable');
    expect(wrongPath.message).toMatch(/no Model Registry API answered .*HTTP 404 Not Found \(a non-JSON body of 18 bytes\)/);
    expect(wrongPath.hint).toMatch(/path prefix/);
    reg.failNext(1, 200, '<html><body>Sign in</body></html>', { 'content-type': 'text/html' });
    const login = await fail('model-registry://iris');
    expect(login.code).toBe('ErrRegistryUnreachable');
    expect(login.message).toMatch(/answered 200 but the response is not JSON \(an HTML\/XML body of 33 bytes\)/);
    reg.failNext(1, 200, { unexpected: true });
    const shape = await fail('model-registry://iris');
    expect(shape.code).toBe('ErrRegistryUnreachable');
    expect(shape.message).toMatch(/registered_model did not return an entity with string "id" and "name"/);
  });
});
