import { readFileOptions } from '../src/options.js';

const options = (env: Record<string, string>, settings: Record<string, unknown> = {}) => readFileOptions({ env, settings });

function failure(fn: () => unknown): Error & { kind?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('options', () => {
  test('options | no checksums by default (hashing a large local file costs a full read)', () => {
    expect(options({})).toEqual({ checksums: [] });
    expect(options({ FILE_CHECKSUMS: ' ' })).toEqual({ checksums: [] });
  });

  test('options | FILE_CHECKSUMS takes a comma list or a JSON array, any case, without repeats', () => {
    expect(options({ FILE_CHECKSUMS: 'MD5, sha256,md5' })).toEqual({ checksums: ['md5', 'sha256'] });
    expect(options({ FILE_CHECKSUMS: '["sha256"]' })).toEqual({ checksums: ['sha256'] });
  });

  test('options | a setting (STORAGE_CONFIG, config file) wins over the variable', () => {
    expect(options({ FILE_CHECKSUMS: 'md5' }, { FILE_CHECKSUMS: ['sha256'] })).toEqual({ checksums: ['sha256'] });
  });

  test('options | an unknown algorithm or a malformed value is InvalidConfig naming the variable', () => {
    const unknown = failure(() => options({ FILE_CHECKSUMS: 'crc32c' }));
    expect(unknown).toMatchObject({ kind: 'InvalidConfig', retryable: false });
    expect(unknown.message).toBe('file: FILE_CHECKSUMS names "crc32c"; supported: md5, sha256');
    expect(failure(() => options({ FILE_CHECKSUMS: '[md5' }))).toMatchObject({ kind: 'InvalidConfig' });
    expect(failure(() => options({}, { FILE_CHECKSUMS: 5 }))).toMatchObject({ kind: 'InvalidConfig' });
  });
});
