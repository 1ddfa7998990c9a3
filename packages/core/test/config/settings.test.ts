import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/index.js';
import { resolveSettings } from '../../src/config/load.js';
import { ErrConfig } from '../../src/errors.js';

describe('settings', () => {
  test('settings | defaults apply when nothing is given', () => {
    const { settings, sources } = resolveSettings({});
    expect(settings.connections).toBe(16);
    expect(settings.partSize).toBe(8 * 1024 * 1024);
    expect(settings.unpack).toBe(true);
    expect(settings.terminationLog).toBe('/dev/termination-log');
    expect(settings.allowPatterns).toBeUndefined();
    expect(sources).toEqual({});
  });

  test('settings | flags win over env, env over the file, the file over defaults', () => {
    const file = { path: '/x/.mr-initrc.json', config: { transfer: { connections: 4, partSize: '2MiB', retries: 9 }, log: { level: 'debug' } } };
    const { settings, sources } = resolveSettings({
      flags: { connections: '32' },
      env: { MR_INIT_CONNECTIONS: '8', MR_INIT_PART_SIZE: '1MiB' },
      file,
    });
    expect(settings.connections).toBe(32);
    expect(sources.connections).toBe('flag --connections');
    expect(settings.partSize).toBe(1024 * 1024);
    expect(sources.partSize).toBe('env MR_INIT_PART_SIZE');
    expect(settings.retries).toBe(9);
    expect(sources.retries).toBe('transfer.retries in /x/.mr-initrc.json');
    expect(settings.logLevel).toBe('debug');
  });

  test('settings | a bad value is ErrConfig naming the key, the value and its source', () => {
    expect(() => resolveSettings({ env: { MR_INIT_CONNECTIONS: 'lots' } })).toThrow(ErrConfig);
    expect(() => resolveSettings({ env: { MR_INIT_CONNECTIONS: 'lots' } }))
      .toThrow('transfer.connections must be a whole number from 1 to 256 (got "lots"), from env MR_INIT_CONNECTIONS');
    expect(() => resolveSettings({ flags: { 'part-size': '3 parsecs' } })).toThrow(/transfer.partSize .* from flag --part-size/);
    expect(() => resolveSettings({ file: { path: 'f.json', config: { transfer: { stallTimeout: 'soon' } } } }))
      .toThrow(/transfer.stallTimeout .* from transfer.stallTimeout in f.json/);
  });

  test('settings | unknown config file keys are refused, naming the file', () => {
    expect(() => resolveSettings({ file: { path: 'f.json', config: { transfr: {} } } })).toThrow(/unknown key "transfr" in f.json/);
    expect(() => resolveSettings({ file: { path: 'f.json', config: { transfer: { conections: 3 } } } }))
      .toThrow(/unknown key "transfer.conections" in f.json/);
  });

  test('settings | KServe pattern variables take a JSON array or a comma list', () => {
    expect(resolveSettings({ env: { STORAGE_ALLOW_PATTERNS: '["*.bin", "config.json"]' } }).settings.allowPatterns).toEqual(['*.bin', 'config.json']);
    expect(resolveSettings({ env: { STORAGE_IGNORE_PATTERNS: '*.md, docs/*' } }).settings.ignorePatterns).toEqual(['*.md', 'docs/*']);
    expect(() => resolveSettings({ env: { STORAGE_ALLOW_PATTERNS: '["*.bin"' } })).toThrow(/look like a JSON array but do not parse.* from env STORAGE_ALLOW_PATTERNS/);
  });

  test('settings | STORAGE_OVERRIDE_CONFIG is laid over STORAGE_CONFIG, and their values are never echoed', () => {
    const { settings } = resolveSettings({
      env: { STORAGE_CONFIG: '{"type":"s3","region":"eu","secret":"s3cr3t"}', STORAGE_OVERRIDE_CONFIG: '{"region":"us"}' },
    });
    expect(settings.storage).toEqual({ type: 's3', region: 'us', secret: 's3cr3t' });
    let message = '';
    try {
      resolveSettings({ env: { STORAGE_CONFIG: '{"secret":"s3cr3t"' } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/storage is not valid JSON, from env STORAGE_CONFIG/);
    expect(message).not.toContain('s3cr3t');
  });

  test('settings | the config file is found by cosmiconfig or named by MR_INIT_CONFIG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-init-config-'));
    writeFileSync(join(dir, '.mr-initrc.json'), JSON.stringify({ transfer: { connections: 3 } }));
    const found = await loadSettings({ env: {}, cwd: dir });
    expect(found.settings.connections).toBe(3);
    expect(found.configPath).toBe(join(dir, '.mr-initrc.json'));

    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'transfer:\n  connections: 5\nproviders:\n  https: "@acme/mr-init-provider-https"\n');
    const named = await loadSettings({ env: { MR_INIT_CONFIG: other }, cwd: dir });
    expect(named.settings.connections).toBe(5);
    expect(named.settings.providers).toEqual({ https: '@acme/mr-init-provider-https' });

    await expect(loadSettings({ env: { MR_INIT_CONFIG: join(dir, 'missing.json') }, cwd: dir })).rejects.toThrow(/does not exist/);
  });
});
