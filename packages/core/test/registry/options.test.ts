import { ErrConfig } from '../../src/errors.js';
import {
  REGISTRY_DEFAULTS, registryBaseUrl, registryOptionsFromEnv, type RegistryOptions,
} from '../../src/registry/options.js';
import { parseModelRegistryUri } from '../../src/uri/model-registry-uri.js';

function configError(run: () => unknown): ErrConfig {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ErrConfig);
    return error as ErrConfig;
  }
  throw new Error('expected ErrConfig');
}

const API = '/api/model_registry/v1alpha3';

describe('registry options', () => {
  test('registry options | defaults', () => {
    expect(registryOptionsFromEnv({})).toEqual({
      baseUrl: 'localhost:8080', scheme: 'http', serviceName: 'model-registry-service',
      clusterDomain: 'svc.cluster.local', tlsVerify: true, timeoutMs: 10_000, retries: 3,
    });
    expect(REGISTRY_DEFAULTS.timeoutMs).toBe(10_000);
  });

  test('registry options | every variable is read, with units and boolean forms', () => {
    const opts = registryOptionsFromEnv({
      MODEL_REGISTRY_BASE_URL: 'mr.example.com:9443', MODEL_REGISTRY_SCHEME: 'HTTPS',
      MODEL_REGISTRY_SERVICE_NAME: 'my-registry', MODEL_REGISTRY_CLUSTER_DOMAIN: 'cluster.example',
      MODEL_REGISTRY_TOKEN: ' tok-123 ', MODEL_REGISTRY_TOKEN_FILE: '/var/run/token', MODEL_REGISTRY_CA_FILE: '/etc/ca.pem',
      MODEL_REGISTRY_TLS_VERIFY: '0', MODEL_REGISTRY_TIMEOUT: '2.5', MODEL_REGISTRY_RETRIES: '0',
    });
    expect(opts).toEqual({
      baseUrl: 'mr.example.com:9443', scheme: 'https', serviceName: 'my-registry', clusterDomain: 'cluster.example',
      token: 'tok-123', tokenFile: '/var/run/token', caFile: '/etc/ca.pem', tlsVerify: false, timeoutMs: 2500, retries: 0,
    });
    for (const [text, value] of [['true', true], ['1', true], ['FALSE', false], ['0', false]] as const) {
      expect(registryOptionsFromEnv({ MODEL_REGISTRY_TLS_VERIFY: text }).tlsVerify).toBe(value);
    }
  });

  test('registry options | environment wins over the config file, the config file over defaults; empty variables are unset', () => {
    const fromFile: Partial<RegistryOptions> = { baseUrl: 'file-host:1', retries: 5, timeoutMs: 1234, tlsVerify: false, scheme: 'https' };
    expect(registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'env-host:2', MODEL_REGISTRY_RETRIES: '', MODEL_REGISTRY_SCHEME: '' }, fromFile))
      .toMatchObject({ baseUrl: 'env-host:2', retries: 5, timeoutMs: 1234, tlsVerify: false, scheme: 'https' });
    expect(registryOptionsFromEnv({ MODEL_REGISTRY_TIMEOUT: '1' }, fromFile).timeoutMs).toBe(1000);
  });

  test('registry options | invalid values name the variable and its source', () => {
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_TIMEOUT: 'ten' })).message)
      .toBe('MODEL_REGISTRY_TIMEOUT (environment) must be a positive number of seconds; got "ten"');
    expect(configError(() => registryOptionsFromEnv({}, { timeoutMs: -1 })).message)
      .toBe('registry option "timeoutMs" (config file) must be a positive number of milliseconds; got "-1"');
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_RETRIES: '2.5' })).message).toMatch(/^MODEL_REGISTRY_RETRIES \(environment\)/);
    expect(configError(() => registryOptionsFromEnv({}, { retries: 99 })).message).toMatch(/"retries" \(config file\) must be a whole number from 0 to 20/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_TLS_VERIFY: 'yes' })).message).toMatch(/^MODEL_REGISTRY_TLS_VERIFY \(environment\) must be true, false, 1 or 0; got "yes"/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_SCHEME: 'ftp' })).message).toMatch(/^MODEL_REGISTRY_SCHEME/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_SERVICE_NAME: 'a.b' })).message).toMatch(/^MODEL_REGISTRY_SERVICE_NAME/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_CLUSTER_DOMAIN: 'a..b' })).message).toMatch(/^MODEL_REGISTRY_CLUSTER_DOMAIN/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'ftp://x' })).message).toMatch(/^MODEL_REGISTRY_BASE_URL .*scheme "ftp:"/);
    expect(configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'http://x/?a=1' })).message).toMatch(/query or fragment/);
    expect(configError(() => registryOptionsFromEnv({}, { baseUrl: 'http://[x' })).message).toMatch(/"baseUrl" \(config file\).*cannot be parsed/);
  });

  test('registry options | a bad token or a base URL with credentials is refused without echoing the secret', () => {
    const token = configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_TOKEN: 'abc def-secret' }));
    expect(token.message).toMatch(/^MODEL_REGISTRY_TOKEN \(environment\) .*\(value not shown\)/);
    expect(token.message).not.toContain('secret');
    const fileToken = configError(() => registryOptionsFromEnv({}, { token: 'line1\nline2-secret' }));
    expect(fileToken.message).not.toContain('secret');
    const creds = configError(() => registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'https://user:p4ss-secret@mr.example.com' }));
    expect(creds.message).toMatch(/contains credentials/);
    expect(creds.message).not.toContain('p4ss');
  });

  test('registry options | registryBaseUrl: the URI host wins, with the configured scheme', () => {
    const opts = registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'https://gw.example.com/prefix', MODEL_REGISTRY_SCHEME: 'https' });
    expect(registryBaseUrl(parseModelRegistryUri('model-registry://mr.example:8443/iris/v1?namespace=ns'), opts))
      .toBe(`https://mr.example:8443${API}`);
    expect(registryBaseUrl(parseModelRegistryUri('model-registry://mr/iris/v1'), opts)).toBe(`https://mr${API}`);
    expect(registryBaseUrl(parseModelRegistryUri('model-registry://[::1]:8080/iris'), registryOptionsFromEnv({})))
      .toBe(`http://[::1]:8080${API}`);
  });

  test('registry options | registryBaseUrl: ?namespace= builds the service host with the base URL port or 8080', () => {
    const ref = parseModelRegistryUri('model-registry://iris/v1?namespace=team-a');
    expect(registryBaseUrl(ref, registryOptionsFromEnv({})))
      .toBe(`http://model-registry-service.team-a.svc.cluster.local:8080${API}`);
    expect(registryBaseUrl(ref, registryOptionsFromEnv({
      MODEL_REGISTRY_BASE_URL: 'whatever:9090', MODEL_REGISTRY_SERVICE_NAME: 'mr', MODEL_REGISTRY_CLUSTER_DOMAIN: 'c.local',
      MODEL_REGISTRY_SCHEME: 'https',
    }))).toBe(`https://mr.team-a.c.local:9090${API}`);
    expect(registryBaseUrl(ref, registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'http://gw.example.com:80/prefix' })))
      .toBe(`http://model-registry-service.team-a.svc.cluster.local:80${API}`);
    expect(registryBaseUrl(ref, registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: 'https://gw.example.com/prefix' })))
      .toBe(`http://model-registry-service.team-a.svc.cluster.local:8080${API}`);
  });

  test('registry options | registryBaseUrl: otherwise the base URL, host:port or full URL with a path prefix', () => {
    const ref = parseModelRegistryUri('model-registry://iris');
    const at = (baseUrl: string, scheme: 'http' | 'https' = 'http'): string =>
      registryBaseUrl(ref, { ...registryOptionsFromEnv({}), baseUrl, scheme });
    expect(at('localhost:8080')).toBe(`http://localhost:8080${API}`);
    expect(at('mr.example.com', 'https')).toBe(`https://mr.example.com${API}`);
    expect(at('https://gw.example.com/prefix/')).toBe(`https://gw.example.com/prefix${API}`);
    expect(at('http://gw.example.com:8000/a/b')).toBe(`http://gw.example.com:8000/a/b${API}`);
    expect(at(`https://gw.example.com/x${API}/`)).toBe(`https://gw.example.com/x${API}`);
    expect(at('https://gw.example.com/prefix', 'http')).toBe(`https://gw.example.com/prefix${API}`);
    expect(() => at('ftp://x')).toThrow(ErrConfig);
  });
});
