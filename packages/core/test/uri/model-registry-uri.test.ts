import { ErrInvalidMRURI } from '../../src/errors.js';
import { isModelRegistryUri, parseModelRegistryUri, type ModelRegistryRef } from '../../src/uri/model-registry-uri.js';

const parse = (uri: string): Omit<ModelRegistryRef, 'raw'> => {
  const { raw, ...rest } = parseModelRegistryUri(uri);
  expect(raw).toBe(uri);
  return rest;
};

function expectInvalid(uri: string, part: RegExp): void {
  let caught: unknown;
  try {
    parseModelRegistryUri(uri);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ErrInvalidMRURI);
  expect((caught as Error).message).toMatch(part);
}

describe('model-registry URI', () => {
  test('model-registry uri | isModelRegistryUri accepts the scheme in any case and nothing else', () => {
    expect(isModelRegistryUri('model-registry://iris')).toBe(true);
    expect(isModelRegistryUri('Model-Registry://iris')).toBe(true);
    expect(isModelRegistryUri('model-registry:iris')).toBe(true);
    expect(isModelRegistryUri('s3://bucket/model-registry://x')).toBe(false);
    expect(isModelRegistryUri('model-registryx://iris')).toBe(false);
    expect(isModelRegistryUri('')).toBe(false);
  });

  test('model-registry uri | the four forms', () => {
    expect(parse('model-registry://iris')).toEqual({ model: 'iris' });
    expect(parse('model-registry://iris/v1')).toEqual({ model: 'iris', version: 'v1', alternateHost: 'iris' });
    expect(parse('model-registry://registry.example.com:8443/iris')).toEqual({ host: 'registry.example.com', port: 8443, model: 'iris' });
    expect(parse('model-registry://registry:8080/iris/v1')).toEqual({ host: 'registry', port: 8080, model: 'iris', version: 'v1' });
  });

  test('model-registry uri | three segments: the first is always the host, with or without a port', () => {
    expect(parse('model-registry://mr/iris/v1')).toEqual({ host: 'mr', model: 'iris', version: 'v1' });
    expect(parse('model-registry://10.0.0.7/iris/v1')).toEqual({ host: '10.0.0.7', model: 'iris', version: 'v1' });
    expect(parse('model-registry://[::1]:8080/iris/v1')).toEqual({ host: '::1', port: 8080, model: 'iris', version: 'v1' });
    expect(parse('model-registry://[fd00::2]/iris/v1')).toEqual({ host: 'fd00::2', model: 'iris', version: 'v1' });
  });

  test('model-registry uri | two segments: a host only with ".", ":" or localhost', () => {
    expect(parse('model-registry://mr.kubeflow.svc/iris')).toEqual({ host: 'mr.kubeflow.svc', model: 'iris' });
    expect(parse('model-registry://mr:8080/iris')).toEqual({ host: 'mr', port: 8080, model: 'iris' });
    expect(parse('model-registry://localhost/iris')).toEqual({ host: 'localhost', model: 'iris' });
    expect(parse('model-registry://LocalHost/iris')).toEqual({ host: 'LocalHost', model: 'iris' });
    expect(parse('model-registry://[::1]/iris')).toEqual({ host: '::1', model: 'iris' });
    // otherwise model/version, remembering the other reading when the segment could be a host name
    expect(parse('model-registry://model-registry-service/iris'))
      .toEqual({ model: 'model-registry-service', version: 'iris', alternateHost: 'model-registry-service' });
  });

  test('model-registry uri | alternateHost only for a first segment that is a valid DNS label', () => {
    expect(parse('model-registry://my%20model/v1')).toEqual({ model: 'my model', version: 'v1' });
    expect(parse('model-registry://my_model/v1')).toEqual({ model: 'my_model', version: 'v1' });
    expect(parse('model-registry://-iris/v1')).toEqual({ model: '-iris', version: 'v1' });
    expect(parse(`model-registry://${'a'.repeat(64)}/v1`)).toEqual({ model: 'a'.repeat(64), version: 'v1' });
    expect(parse(`model-registry://${'a'.repeat(63)}/v1`).alternateHost).toBe('a'.repeat(63));
    // a percent-encoded dot forces the model/version reading, and is then not a host candidate
    expect(parse('model-registry://my%2Emodel/v1')).toEqual({ model: 'my.model', version: 'v1' });
    expect(parse('model-registry://iris')).toEqual({ model: 'iris' });
  });

  test('model-registry uri | segments are percent-decoded exactly once', () => {
    expect(parse('model-registry://my%20model/v%201')).toEqual({ model: 'my model', version: 'v 1' });
    expect(parse('model-registry://host:1/mod%C3%A8le-%E6%97%A5%E6%9C%AC/%D0%B2%D0%B5%D1%80%D1%81%D0%B8%D1%8F%201'))
      .toEqual({ host: 'host', port: 1, model: 'modèle-日本', version: 'версия 1' });
    expect(parse('model-registry://modèle-日本/версия 1')).toEqual({ model: 'modèle-日本', version: 'версия 1' });
    expect(parse('model-registry://a%252Fb')).toEqual({ model: 'a%2Fb' });
    expect(parse('model-registry://a%2Fb/v1')).toEqual({ model: 'a/b', version: 'v1' });
    expect(parse('model-registry://a+b')).toEqual({ model: 'a+b' });
  });

  test('model-registry uri | ?namespace= is parsed and validated', () => {
    expect(parse('model-registry://iris/v1?namespace=team-a_1')).toEqual({ model: 'iris', version: 'v1', namespace: 'team-a_1', alternateHost: 'iris' });
    expect(parse('model-registry://iris?namespace=ns')).toEqual({ model: 'iris', namespace: 'ns' });
    expect(parse('model-registry://h:1/iris?namespace=ns')).toEqual({ host: 'h', port: 1, model: 'iris', namespace: 'ns' });
    expect(parse('model-registry://iris?')).toEqual({ model: 'iris' });
    expectInvalid('model-registry://iris?namespace=', /namespace "" is invalid/);
    expectInvalid('model-registry://iris?namespace', /namespace "" is invalid/);
    expectInvalid('model-registry://iris?namespace=a.b', /namespace "a\.b" is invalid .*\^\[a-zA-Z0-9_-\]\+\$/);
    expectInvalid('model-registry://iris?namespace=a%20b', /namespace "a b" is invalid/);
    expectInvalid('model-registry://iris?namespace=a&namespace=b', /more than once/);
    expectInvalid('model-registry://iris?version=v1', /unknown query parameter "version"/);
    expectInvalid('model-registry://iris?namespace=a&x=1', /unknown query parameter "x"/);
  });

  test('model-registry uri | empty, extra and blank segments are refused, naming the segment', () => {
    expectInvalid('model-registry://', /model name is missing/);
    expectInvalid('model-registry://?namespace=ns', /model name is missing/);
    expectInvalid('model-registry:///iris', /first \(model or host\) segment is empty/);
    expectInvalid('model-registry://iris/', /second \(version or model\) segment is empty/);
    expectInvalid('model-registry://h:1//v1', /model segment is empty/);
    expectInvalid('model-registry://h:1/iris/', /version segment is empty/);
    expectInvalid('model-registry://a/b/c/d', /4 path segments; at most 3/);
    expectInvalid('model-registry://%20/v1', /model segment "%20" is blank/);
    expectInvalid('model-registry://iris/%0A', /version segment "%0A" contains a control character/);
  });

  test('model-registry uri | bad percent-encoding, scheme, fragment, host and port are refused', () => {
    expectInvalid('model-registry://iris%zz', /model segment "iris%zz" has an invalid percent-encoding/);
    expectInvalid('model-registry://iris/v%E0%A4%A', /version segment .* invalid percent-encoding/);
    expectInvalid('model-registry:iris', /expected "\/\/"/);
    expectInvalid('s3://bucket/key', /must start with model-registry:\/\//);
    expectInvalid('model-registry://iris#v1', /fragment/);
    expectInvalid('model-registry://host:abc/iris', /port "abc" of host "host" is not a number between 1 and 65535/);
    expectInvalid('model-registry://host:0/iris', /port "0"/);
    expectInvalid('model-registry://host:65536/iris', /port "65536"/);
    expectInvalid('model-registry://host:/iris', /port "" of host "host"/);
    expectInvalid('model-registry://:8080/iris', /empty host name/);
    expectInvalid('model-registry://a:b:c/iris', /more than one ":"/);
    expectInvalid('model-registry://[nope]:80/iris', /not a valid bracketed IPv6/);
    expectInvalid('model-registry://bad_host.com/iris', /host "bad_host\.com" is not a valid host name/);
    expectInvalid('model-registry://user@host.com/iris', /host "user@host\.com" is not a valid host name/);
    expectInvalid('model-registry://a..b/iris', /host "a\.\.b"/);
  });

  test('model-registry uri | every error is an ErrInvalidMRURI quoting the URI, with the form in its hint', () => {
    const error = (() => {
      try {
        parseModelRegistryUri('model-registry://a/b/c/d');
      } catch (e) {
        return e as ErrInvalidMRURI;
      }
      throw new Error('no error');
    })();
    expect(error.code).toBe('ErrInvalidMRURI');
    expect(error.message).toContain('"model-registry://a/b/c/d"');
    expect(error.toLine()).toMatch(/model-registry:\/\/\[host\[:port\]\/\]model\[\/version\]/);
  });
});
