/** URI parsing: every accepted form, and the ones refused. Pure: no SDK, no server. */
import type { ProviderError } from '@mr-init/core';
import { accountOfEndpoint, displayUri, parseAzureUri } from '../src/uri.js';

const parse = (uri: string, endpoint?: string) => parseAzureUri(new URL(uri), endpoint);

function refused(uri: string, endpoint?: string): ProviderError {
  try {
    parse(uri, endpoint);
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error(`${uri} was accepted`);
}

describe('parseAzureUri', () => {
  test('https blob host | account, service URL, container and path', () => {
    expect(parse('https://acct.blob.core.windows.net/models/iris/v1')).toEqual({
      account: 'acct', serviceUrl: 'https://acct.blob.core.windows.net', container: 'models', path: 'iris/v1',
    });
  });

  test('https blob host | container root with and without a trailing slash', () => {
    expect(parse('https://acct.blob.core.windows.net/models').path).toBe('');
    expect(parse('https://acct.blob.core.windows.net/models/').path).toBe('');
  });

  test('https blob host | a trailing slash is kept, meaning "this folder only"', () => {
    expect(parse('https://acct.blob.core.windows.net/models/iris/').path).toBe('iris/');
  });

  test('https blob host | percent-escapes are decoded once (spaces, unicode, %2F)', () => {
    const loc = parse('https://acct.blob.core.windows.net/c/dir%20with%20space/na%C3%AFve%20%E6%A8%A1%E5%9E%8B.bin');
    expect(loc.path).toBe('dir with space/naïve 模型.bin');
    expect(parse('https://acct.blob.core.windows.net/c/a%2Fb').path).toBe('a/b');
    expect(parse('https://acct.blob.core.windows.net/c/100%25.bin').path).toBe('100%.bin');
  });

  test('https z<N> host | Azure DNS-zone endpoints keep their host', () => {
    expect(parse('https://acct.z12.blob.storage.azure.net/c/m.onnx')).toEqual({
      account: 'acct', serviceUrl: 'https://acct.z12.blob.storage.azure.net', container: 'c', path: 'm.onnx',
    });
  });

  test('https sovereign and private-link hosts | account from the first label', () => {
    expect(parse('https://acct.blob.core.chinacloudapi.cn/c/p').serviceUrl).toBe('https://acct.blob.core.chinacloudapi.cn');
    expect(parse('https://acct.blob.core.usgovcloudapi.net/c/p').account).toBe('acct');
    expect(parse('https://acct.privatelink.blob.core.windows.net/c/p')).toMatchObject({
      account: 'acct', serviceUrl: 'https://acct.privatelink.blob.core.windows.net',
    });
  });

  test('https dfs host | ADLS Gen2 URLs are read through the blob endpoint', () => {
    expect(parse('https://acct.dfs.core.windows.net/fs/dir/m.bin')).toEqual({
      account: 'acct', serviceUrl: 'https://acct.blob.core.windows.net', container: 'fs', path: 'dir/m.bin',
    });
  });

  test('SAS in the query | returned apart, never in the service URL', () => {
    const loc = parse('https://acct.blob.core.windows.net/c/p?sv=2022-11-02&sp=rl&sig=abc%3D');
    expect(loc.sas).toBe('sv=2022-11-02&sp=rl&sig=abc%3D');
    expect(loc.serviceUrl).toBe('https://acct.blob.core.windows.net');
    expect(parse('https://acct.blob.core.windows.net/c/p?foo=bar').sas).toBeUndefined();
  });

  test('wasbs | container@account.blob.core.windows.net/path', () => {
    expect(parse('wasbs://models@acct.blob.core.windows.net/iris/v1')).toEqual({
      account: 'acct', serviceUrl: 'https://acct.blob.core.windows.net', container: 'models', path: 'iris/v1',
    });
  });

  test('wasb | the plain-text variant is still fetched over https', () => {
    expect(parse('wasb://models@acct.blob.core.windows.net/iris').serviceUrl).toBe('https://acct.blob.core.windows.net');
  });

  test('wasbs | a bare account name means the public cloud', () => {
    expect(parse('wasbs://models@acct/iris')).toMatchObject({ account: 'acct', serviceUrl: 'https://acct.blob.core.windows.net' });
  });

  test('wasbs | without container@, the first path segment is the container', () => {
    expect(parse('wasbs://acct.blob.core.windows.net/models/iris')).toMatchObject({ container: 'models', path: 'iris' });
  });

  test('wasbs | container root', () => {
    expect(parse('wasbs://models@acct.blob.core.windows.net')).toMatchObject({ container: 'models', path: '' });
    expect(parse('wasbs://models@acct.blob.core.windows.net/')).toMatchObject({ container: 'models', path: '' });
  });

  test('abfss | the dfs host maps to the same account\'s blob endpoint', () => {
    expect(parse('abfss://fs@acct.dfs.core.windows.net/dir/m.bin')).toEqual({
      account: 'acct', serviceUrl: 'https://acct.blob.core.windows.net', container: 'fs', path: 'dir/m.bin',
    });
    expect(parse('abfs://fs@acct.dfs.core.chinacloudapi.cn/m').serviceUrl).toBe('https://acct.blob.core.chinacloudapi.cn');
  });

  test('path-style | Azurite URLs under the endpoint override', () => {
    const endpoint = 'http://127.0.0.1:10000/devstoreaccount1';
    expect(parse('http://127.0.0.1:10000/devstoreaccount1/models/iris/v1', endpoint)).toEqual({
      account: 'devstoreaccount1', serviceUrl: endpoint, container: 'models', path: 'iris/v1',
    });
  });

  test('path-style | a custom domain endpoint without an account segment', () => {
    expect(parse('https://models.example.com/c/m.bin', 'https://models.example.com')).toEqual({
      account: '', serviceUrl: 'https://models.example.com', container: 'c', path: 'm.bin',
    });
  });

  test('path-style | refused without the override, or under another endpoint', () => {
    expect(refused('http://127.0.0.1:10000/devstoreaccount1/models/x').kind).toBe('InvalidConfig');
    expect(refused('http://127.0.0.1:10001/devstoreaccount1/models/x', 'http://127.0.0.1:10000/devstoreaccount1').hint)
      .toMatch(/AZURE_STORAGE_BLOB_ENDPOINT/);
  });

  test('refused | a host that is not Azure Blob', () => {
    const error = refused('https://example.com/c/p');
    expect(error.kind).toBe('InvalidConfig');
    expect(error.retryable).toBe(false);
  });

  test('refused | no container', () => {
    expect(refused('https://acct.blob.core.windows.net/').kind).toBe('InvalidConfig');
    expect(refused('https://acct.blob.core.windows.net').message).toMatch(/no container/);
  });

  test('refused | a malformed escape, an unknown scheme', () => {
    expect(refused('https://acct.blob.core.windows.net/c/%E0%A4%A').message).toMatch(/malformed/);
    expect(refused('s3://bucket/key').message).toMatch(/unsupported scheme/);
  });

  test('refused | the error message never carries the SAS', () => {
    const error = refused('https://example.com/c/p?sv=1&sig=SECRETSIG');
    expect(error.message).not.toMatch(/SECRETSIG/);
  });
});

describe('accountOfEndpoint', () => {
  test('accountOfEndpoint | path-style hosts name the account in the path; others in the first label', () => {
    expect(accountOfEndpoint(new URL('http://127.0.0.1:10000/devstoreaccount1'))).toBe('devstoreaccount1');
    expect(accountOfEndpoint(new URL('http://localhost:10000/acct'))).toBe('acct');
    expect(accountOfEndpoint(new URL('http://[::1]:10000/acct'))).toBe('acct');
    expect(accountOfEndpoint(new URL('https://acct.blob.core.chinacloudapi.cn'))).toBe('acct');
    expect(accountOfEndpoint(new URL('http://devstoreaccount1.blob.localhost:10000'))).toBe('devstoreaccount1');
    expect(accountOfEndpoint(new URL('https://models.example.com'))).toBe('');
  });
});

describe('displayUri', () => {
  test('displayUri | drops the query and any password', () => {
    expect(displayUri(new URL('https://acct.blob.core.windows.net/c/p?sig=x'))).toBe('https://acct.blob.core.windows.net/c/p');
    expect(displayUri(new URL('wasbs://c:secret@acct.blob.core.windows.net/p'))).toBe('wasbs://c@acct.blob.core.windows.net/p');
  });
});
