import { checksumsOf, isEtagVersion, parseContentRange, strictContentTypeProblem, versionOf } from '../src/metadata.js';
import { hostHeaders, readHttpOptions } from '../src/options.js';
import { bypassesProxy, proxyFor } from '../src/proxy.js';

const ctx = (env: Record<string, string>, settings: Record<string, unknown> = {}) => ({ env, settings });
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const MD5 = '9e107d9d372bb6826bd81d3542a419d6';
const SHA = 'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592';

describe('options', () => {
  test('options | defaults, KServe CA bundle path, timeouts in seconds', () => {
    expect(readHttpOptions(ctx({}))).toEqual({
      httpProxy: undefined, httpsProxy: undefined, noProxy: undefined, strictContentType: false, caBundleFile: undefined,
      connectTimeoutMs: 15_000, readTimeoutMs: 30_000, maxSockets: 64,
    });
    const o = readHttpOptions(ctx({ CA_BUNDLE_CONFIGMAP_NAME: 'ca', HTTP_CONNECT_TIMEOUT: '2.5', HTTP_READ_TIMEOUT: '60', HTTP_MAX_SOCKETS: '8' }));
    expect([o.caBundleFile, o.connectTimeoutMs, o.readTimeoutMs, o.maxSockets]).toEqual(['/etc/ssl/custom-certs/cabundle.crt', 2500, 60_000, 8]);
    expect(() => readHttpOptions(ctx({ HTTP_READ_TIMEOUT: '-1' }))).toThrow(/HTTP_READ_TIMEOUT must be a positive number of seconds/);
    expect(() => readHttpOptions(ctx({ HTTP_MAX_SOCKETS: '0' }))).toThrow(/HTTP_MAX_SOCKETS/);
  });

  test('options | lowercase proxy variables win over uppercase; settings win over env', () => {
    const o = readHttpOptions(ctx({ http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:1', HTTPS_PROXY: 'http://s:2', NO_PROXY: 'a' }, { no_proxy: 'b' }));
    expect([o.httpProxy, o.httpsProxy, o.noProxy]).toEqual(['http://lower:1', 'http://s:2', 'b']);
  });

  test('options | <hostname>-headers: lowercase names, host name lowercased, IPv6 brackets removed', () => {
    expect(hostHeaders(ctx({ 'example.com-headers': '{"X-Key":"v","N":1}' }), 'EXAMPLE.com')).toEqual({ 'x-key': 'v', n: '1' });
    expect(hostHeaders(ctx({ '::1-headers': '{"A":"b"}' }), '[::1]')).toEqual({ a: 'b' });
    expect(hostHeaders(ctx({}), 'example.com')).toEqual({});
    expect(() => hostHeaders(ctx({ 'h-headers': '{"bad name":"x"}' }), 'h')).toThrow('http: h-headers: "bad name" is not a valid header name');
    expect(() => hostHeaders(ctx({ 'h-headers': '{"A":"x\\r\\nB: y"}' }), 'h')).toThrow(/contains a line break/);
  });
});

describe('proxy selection', () => {
  const url = (u: string) => new URL(u);
  test.each([
    ['http://a.example.com/x', 'example.com', true],
    ['http://example.com/x', '.example.com', true],
    ['http://a.example.com/x', '*.example.com', true],
    ['http://myexample.com/x', 'example.com', false],
    ['http://h:8080/x', 'h:8080', true],
    ['http://h:8080/x', 'h:9090', false],
    ['http://h/x', 'h:80', true],
    ['https://h/x', 'h:443', true],
    ['http://10.1.2.3/x', '10.0.0.0/8', true],
    ['http://11.1.2.3/x', '10.0.0.0/8', false],
    ['http://[::1]:5000/x', '::1', true],
    ['http://[::1]:5000/x', '[::1]:5000', true],
    ['http://anything/x', ' foo , * ', true],
    ['http://h/x', '', false],
  ])('proxy | %s with NO_PROXY=%j bypasses: %s', (u, noProxy, expected) => {
    expect(bypassesProxy(url(u), noProxy)).toBe(expected);
  });

  test('proxy | the scheme picks the variable; a proxy without a scheme is http://', () => {
    const o = { httpProxy: 'proxy:3128', httpsProxy: 'https://sp:443', noProxy: 'internal' };
    expect(proxyFor(url('http://x/a'), o)).toBe('http://proxy:3128');
    expect(proxyFor(url('https://x/a'), o)).toBe('https://sp:443');
    expect(proxyFor(url('https://internal/a'), o)).toBeUndefined();
    expect(proxyFor(url('https://x/a'), { httpProxy: 'p:1' })).toBeUndefined();
  });
});

describe('metadata', () => {
  test('metadata | Repr-Digest, then Digest, then Content-MD5 (whole responses only), in lowercase hex', () => {
    expect(checksumsOf({ 'repr-digest': `sha-256=:${b64(SHA)}:`, digest: `SHA-256=${b64('00'.repeat(32))}, MD5=${b64(MD5)}`, 'content-md5': b64('11'.repeat(16)) }, false))
      .toEqual([{ algorithm: 'sha256', value: SHA }, { algorithm: 'md5', value: MD5 }]);
    expect(checksumsOf({ 'content-md5': b64(MD5) }, true)).toEqual([]);
    expect(checksumsOf({ 'content-md5': b64(MD5) }, false)).toEqual([{ algorithm: 'md5', value: MD5 }]);
    expect(checksumsOf({ digest: 'sha-256=notbase64!!, sha=abc', 'repr-digest': `sha-256=${b64(SHA)}` }, false)).toEqual([]);
  });

  test('metadata | versions: strong ETag, else Last-Modified; weak ETags are not versions', () => {
    const lm = 'Wed, 21 Oct 2015 07:28:00 GMT';
    expect(versionOf({ etag: '"abc"', 'last-modified': lm })).toBe('"abc"');
    expect(versionOf({ etag: 'W/"abc"', 'last-modified': lm })).toBe(lm);
    expect(versionOf({})).toBeUndefined();
    expect([isEtagVersion('"abc"'), isEtagVersion('abc-unquoted'), isEtagVersion(lm)]).toEqual([true, true, false]);
  });

  test('metadata | Content-Range forms', () => {
    expect(parseContentRange('bytes 0-0/1234')).toEqual({ start: 0, end: 0, total: 1234 });
    expect(parseContentRange('bytes */0')).toEqual({ start: undefined, end: undefined, total: 0 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: undefined });
    expect(parseContentRange('items 0-1/2')).toBeUndefined();
  });

  test.each([
    ['/m/model.onnx', 'application/octet-stream', undefined],
    ['/m/model.onnx', 'application/octet-stream; charset=binary', undefined],
    ['/m/model.onnx', 'text/html', 'application/octet-stream'],
    ['/m/model.onnx', undefined, 'application/octet-stream'],
    ['/m/model.zip', 'application/x-zip-compressed', undefined],
    ['/m/model.zip', 'application/octet-stream', 'application/x-zip-compressed, application/zip, application/zip-compressed'],
    ['/m/model.tar', 'application/x-tar', undefined],
    ['/m/model.tgz', 'application/gzip', undefined],
    ['/m/model.tar.xz', 'application/x-gtar', undefined],
    ['/download?file=model.zip', 'application/zip', undefined],
  ])('metadata | strict content type: %s served as %s → expected %s', (path, type, expected) => {
    expect(strictContentTypeProblem(new URL(path, 'http://h'), type)).toBe(expected);
  });
});
