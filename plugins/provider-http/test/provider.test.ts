import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import provider, { DEBUG_NAMESPACE, DRIVER_DEPENDENCIES } from '../src/provider.js';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; mrInitProvider: { schemes: string[] } };

describe('provider', () => {
  test('provider | static shape: name, capabilities, debug namespace, schemes', () => {
    expect(provider.name).toBe('http');
    expect(provider.capabilities).toEqual({ rangedRead: true, prefixListing: false, checksums: ['md5', 'sha256'], versionPinning: true });
    expect(DEBUG_NAMESPACE).toBe('mr-init:http');
    expect(pkg.mrInitProvider.schemes).toEqual(['http', 'https']);
  });

  test('provider | DRIVER_DEPENDENCIES match package.json, and no source imports them eagerly', () => {
    expect([...DRIVER_DEPENDENCIES].sort()).toEqual(Object.keys(pkg.dependencies).sort());
    for (const file of readdirSync(join(root, 'src'))) {
      const source = readFileSync(join(root, 'src', file), 'utf8');
      for (const dep of DRIVER_DEPENDENCIES) {
        // Only `import type … from 'dep'` may appear at the top; values come through `await import('dep')`.
        const eager = new RegExp(`^import\\s+(?!type\\b)[^;]*from\\s+'${dep}'`, 'm');
        expect({ file, eager: eager.test(source) }).toEqual({ file, eager: false });
      }
      expect({ file, coreValue: /^import\s+(?!type\b)[^;]*from\s+'@mr-init\/core/m.test(source) }).toEqual({ file, coreValue: false });
    }
  });
});
