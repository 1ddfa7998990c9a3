import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { SDK_DEPENDENCIES } from '../src/client.js';
import { DEFAULT_API_ENDPOINT, resolveGcsOptions } from '../src/options.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('gcs options', () => {
  test('gcs options | defaults: Google\'s endpoint, anonymous, 60 s, pages of 1000', () => {
    expect(resolveGcsOptions({})).toEqual({ credentialsFile: undefined, useAdc: false, endpoint: DEFAULT_API_ENDPOINT, requestTimeoutMs: 60_000, listPageSize: 1000 });
  });

  test('gcs options | STORAGE_EMULATOR_HOST is accepted with or without /storage/v1 or a scheme', () => {
    for (const value of ['http://h:4443/storage/v1', 'http://h:4443/storage/v1/', 'http://h:4443', 'h:4443']) {
      expect(resolveGcsOptions({ STORAGE_EMULATOR_HOST: value }).endpoint).toBe('http://h:4443');
    }
    expect(resolveGcsOptions({ STORAGE_EMULATOR_HOST: 'http://a:1', GCS_ENDPOINT: 'https://b.example' }).endpoint).toBe('https://b.example');
  });

  test('gcs options | STORAGE_CONFIG keys win over env, but only for type gs/gcs', () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/env.json' };
    expect(resolveGcsOptions(env, { type: 'gs', GOOGLE_APPLICATION_CREDENTIALS: '/cfg.json', endpoint_url: 'https://psc.example' }))
      .toMatchObject({ credentialsFile: '/cfg.json', endpoint: 'https://psc.example' });
    expect(resolveGcsOptions(env, { type: 's3', GOOGLE_APPLICATION_CREDENTIALS: '/cfg.json' }).credentialsFile).toBe('/env.json');
  });

  test('gcs options | numbers and booleans are parsed, bad values are InvalidConfig naming the variable', () => {
    expect(resolveGcsOptions({ GCS_USE_ADC: 'TRUE', GCS_REQUEST_TIMEOUT: '2.5', GCS_LIST_PAGE_SIZE: '5000' }))
      .toMatchObject({ useAdc: true, requestTimeoutMs: 2500, listPageSize: 1000 });
    expect(() => resolveGcsOptions({ GCS_USE_ADC: 'maybe' })).toThrow(expect.objectContaining({ kind: 'InvalidConfig', message: expect.stringContaining('GCS_USE_ADC') }));
    expect(() => resolveGcsOptions({ GCS_REQUEST_TIMEOUT: '0' })).toThrow(expect.objectContaining({ kind: 'InvalidConfig' }));
    expect(() => resolveGcsOptions({ GCS_ENDPOINT: 'http://bad host' })).toThrow(expect.objectContaining({ kind: 'InvalidConfig' }));
  });

  test('gcs options | the SDK is only imported lazily, and SDK_DEPENDENCIES match package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; mrInitProvider: { entry: string } };
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...SDK_DEPENDENCIES].sort());
    expect(pkg.mrInitProvider.entry).toBe('./dist/provider.js');
    for (const file of readdirSync(join(root, 'src'))) {
      const source = readFileSync(join(root, 'src', file), 'utf8');
      for (const dependency of [...SDK_DEPENDENCIES, '@mr-init/core', 'google-auth-library']) {
        const valueImport = new RegExp(`^import (?!type )[^;]*from '${dependency}`, 'm');
        expect({ file, dependency, valueImport: valueImport.test(source) }).toEqual({ file, dependency, valueImport: false });
      }
      const dynamic = source.includes("import('@google-cloud/storage')");
      expect({ file, dynamic }).toEqual({ file, dynamic: file === 'client.ts' });
    }
  });
});
