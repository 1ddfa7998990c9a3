import type { ProviderDescriptor } from '../../src/providers/descriptor.js';
import { manifestProblem, readDescriptor } from '../../src/providers/descriptor.js';
import { discoverProviders } from '../../src/providers/discover.js';
import { selectProvider, specificity } from '../../src/providers/select.js';
import { ErrConfig, ErrProtocolNotSupported, ErrProviderConflict } from '../../src/errors.js';

function descriptor(pkg: string, schemes: string[], hosts: string[] | Record<string, string[]> = []): ProviderDescriptor {
  const found = readDescriptor({ name: pkg, version: '1.0.0', root: `/x/${pkg}`, pjson: { mrInitProvider: { apiVersion: 1, entry: './dist/provider.js', schemes, hosts } } });
  if (!found || 'problem' in found) throw new Error(`bad fixture ${pkg}`);
  return found.descriptor;
}

const http = descriptor('@mr-init/provider-http', ['http', 'https']);
const azure = descriptor('@mr-init/provider-azure', ['https', 'wasbs'], ['*.blob.core.windows.net', '*.blob.storage.azure.net']);
const s3 = descriptor('@mr-init/provider-s3', ['s3', 's3a']);

describe('provider selection', () => {
  test('select | the scheme picks the provider, aliases included', () => {
    expect(selectProvider(new URL('s3://b/k'), [http, s3]).package).toBe('@mr-init/provider-s3');
    expect(selectProvider(new URL('s3a://b/k'), [http, s3]).package).toBe('@mr-init/provider-s3');
    expect(selectProvider(new URL('https://example.com/m.onnx'), [http, azure, s3]).package).toBe('@mr-init/provider-http');
  });

  test('select | a matching host pattern wins over a scheme-only provider', () => {
    expect(selectProvider(new URL('https://acct.blob.core.windows.net/c/m'), [http, azure]).package).toBe('@mr-init/provider-azure');
    expect(selectProvider(new URL('https://acct.z12.blob.storage.azure.net/c/m'), [azure, http]).package).toBe('@mr-init/provider-azure');
    expect(selectProvider(new URL('https://blob.core.windows.net.evil.com/c'), [http, azure]).package).toBe('@mr-init/provider-http');
  });

  test('select | per-scheme hosts narrow only the schemes they name', () => {
    const perScheme = descriptor('azure-per-scheme', ['https', 'wasbs'], { https: ['*.blob.core.windows.net'] });
    expect(selectProvider(new URL('wasbs://c@acct/p'), [http, perScheme]).package).toBe('azure-per-scheme');
    expect(selectProvider(new URL('https://acct.blob.core.windows.net/c'), [http, perScheme]).package).toBe('azure-per-scheme');
    expect(selectProvider(new URL('https://example.com/m.onnx'), [http, perScheme]).package).toBe('@mr-init/provider-http');
    expect(() => selectProvider(new URL('wasbs://c@acct/p'), [azure])).toThrow(ErrProtocolNotSupported);
  });

  test('select | an exact host beats a wildcard, a longer wildcard beats a shorter one', () => {
    const exact = descriptor('exact', ['https'], ['acct.blob.core.windows.net']);
    const longer = descriptor('longer', ['https'], ['*.prod.blob.core.windows.net']);
    expect(selectProvider(new URL('https://acct.blob.core.windows.net/c'), [azure, exact, http]).package).toBe('exact');
    expect(selectProvider(new URL('https://a.prod.blob.core.windows.net/c'), [azure, longer]).package).toBe('longer');
    expect(specificity(http, new URL('gs://b'))).toBe(0);
  });

  test('select | an equal tie names both packages and the setting that breaks it', () => {
    const other = descriptor('mr-init-provider-fasthttp', ['https']);
    expect(() => selectProvider(new URL('https://h/f'), [http, other])).toThrow(ErrProviderConflict);
    expect(() => selectProvider(new URL('https://h/f'), [http, other]))
      .toThrow(/@mr-init\/provider-http and mr-init-provider-fasthttp both claim https:\/\/h equally/);
    try {
      selectProvider(new URL('https://h/f'), [http, other]);
    } catch (error) {
      expect((error as ErrProviderConflict).hint).toContain('providers.https');
    }
    expect(selectProvider(new URL('https://h/f'), [http, other], { https: 'mr-init-provider-fasthttp' }).package).toBe('mr-init-provider-fasthttp');
  });

  test('select | an override naming a package that is not installed is ErrConfig', () => {
    expect(() => selectProvider(new URL('https://h/f'), [http], { https: 'nope' })).toThrow(ErrConfig);
    expect(() => selectProvider(new URL('https://h/f'), [http, s3], { https: '@mr-init/provider-s3' })).toThrow(/does not handle https/);
  });

  test('select | no provider: ErrProtocolNotSupported naming installed schemes and the package to add', () => {
    let error: ErrProtocolNotSupported | undefined;
    try {
      selectProvider(new URL('gs://bucket/model'), [http, s3]);
    } catch (e) {
      error = e as ErrProtocolNotSupported;
    }
    expect(error).toBeInstanceOf(ErrProtocolNotSupported);
    expect(error!.message).toBe('no installed provider handles gs:// (installed: http://, https://, s3://, s3a://)');
    expect(error!.hint).toContain('@mr-init/provider-gcs');
    expect(() => selectProvider(new URL('foo://x'), [])).toThrow(/installed: none/);
  });
});

describe('provider manifests', () => {
  test('manifest | valid blocks pass and each kind of bad block is named', () => {
    expect(manifestProblem({ apiVersion: 1, entry: './dist/provider.js', schemes: ['s3'] })).toBeUndefined();
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: ['https'], hosts: ['*.blob.core.windows.net'] })).toBeUndefined();
    expect(manifestProblem('x')).toMatch(/object/);
    expect(manifestProblem({ entry: './p.js', schemes: ['s3'] })).toMatch(/apiVersion/);
    expect(manifestProblem({ apiVersion: 1, entry: '../p.js', schemes: ['s3'] })).toMatch(/entry/);
    expect(manifestProblem({ apiVersion: 1, entry: '/abs/p.js', schemes: ['s3'] })).toMatch(/entry/);
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: [] })).toMatch(/schemes/);
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: ['s3:'] })).toMatch(/schemes/);
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: ['s3'], hosts: ['bad host'] })).toMatch(/hosts/);
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: ['https', 'wasbs'], hosts: { https: ['*.blob.core.windows.net'] } })).toBeUndefined();
    expect(manifestProblem({ apiVersion: 1, entry: './p.js', schemes: ['https'], hosts: { gs: ['x.com'] } })).toMatch(/hosts/);
  });

  test('discover | bad or missing blocks are warned about by package name and skipped', () => {
    const warnings: string[] = [];
    const found = discoverProviders([
      { name: '@mr-init/provider-http', version: '1.0.0', root: '/a', pjson: { mrInitProvider: { apiVersion: 1, entry: './p.js', schemes: ['HTTP'] } } },
      { name: '@oclif/plugin-help', version: '6.0.0', root: '/b', pjson: {} },
      { name: 'mr-init-provider-broken', version: '0.1.0', root: '/c', pjson: { mrInitProvider: { apiVersion: 1, schemes: ['x'] } } },
      { name: 'mr-init-provider-bare', version: '0.1.0', root: '/d', pjson: {} },
    ], { warn: (m: string) => warnings.push(m) });
    expect(found.map((d) => d.package)).toEqual(['@mr-init/provider-http']);
    expect(found[0]!.schemes).toEqual(['http']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/mr-init-provider-broken@0.1.0: invalid "mrInitProvider" .*"entry"/);
    expect(warnings[1]).toMatch(/mr-init-provider-bare@0.1.0 .* no "mrInitProvider" block/);
  });
});
