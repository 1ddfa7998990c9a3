/** One jest run for the whole monorepo. ESM throughout: jest runs under --experimental-vm-modules
 *  and ts-jest transpiles each file alone (isolatedModules); `npm run typecheck` type-checks tests. */
import { existsSync } from 'node:fs';

const roots = ['packages', 'plugins', 'examples', 'test'].filter((dir) => existsSync(dir)).map((dir) => `<rootDir>/${dir}`);

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots,
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/fixtures/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true, module: 'NodeNext', moduleResolution: 'NodeNext' }, diagnostics: false }],
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
