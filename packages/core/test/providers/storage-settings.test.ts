import { readDescriptor } from '../../src/providers/descriptor.js';
import { storageSettingsFor } from '../../src/providers/storage-settings.js';

function descriptor(schemes: string[], storageTypes?: string[]) {
  const found = readDescriptor({ name: 'p', version: '1.0.0', root: '/p', pjson: { mrInitProvider: { apiVersion: 1, entry: './p.js', schemes, ...(storageTypes ? { storageTypes } : {}) } } });
  if (!found || 'problem' in found) throw new Error('bad fixture');
  return found.descriptor;
}

describe('storage settings', () => {
  test('storage | STORAGE_CONFIG reaches only the provider its type names (or every provider when untyped)', () => {
    const s3 = descriptor(['s3', 's3a'], ['s3']);
    const azure = descriptor(['https', 'wasbs'], ['azure']);
    const config = { type: 's3', endpoint_url: 'http://minio:9000' };
    expect(storageSettingsFor(s3, config)).toBe(config);
    expect(storageSettingsFor(azure, config)).toEqual({});
    expect(storageSettingsFor(azure, { endpoint_url: 'x' })).toEqual({ endpoint_url: 'x' });
    expect(storageSettingsFor(descriptor(['gs']), { type: 'GS' })).toEqual({ type: 'GS' });
  });
});
