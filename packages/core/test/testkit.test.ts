import { AssertionError } from 'node:assert';
import { conformanceCases, runConformance } from '../src/testkit/index.js';
import { BROKEN_PROVIDERS, ignoresRanges, withReadInto, wrongSize } from './support/broken-providers.js';
import { createReferenceProvider, createReferenceTarget } from './support/reference-provider.js';

const ALL_CASES = [
  'capabilities | are well-formed',
  'list | one object: path is its basename, size and bytes are exact',
  'list | names with spaces and unicode keep their exact path',
  'list | version is stable across two listings',
  'list | checksums: only declared algorithms, lowercase hex, matching the bytes',
  'list | prefix: relative paths of every object, nested folders included',
  'list | a folder inside the root: paths are relative to that folder',
  'list | an empty prefix yields nothing and does not throw',
  'list | sibling rule: listing root/v1 returns no root/v10/… object',
  'read | ranges: first byte, middle, last byte, whole object',
  'read | a version other than the current one fails with kind VersionChanged',
  'errors | missing object: list yields nothing or fails with NotFound; read fails with NotFound',
  'errors | missing container: list fails with kind NotFound',
  'errors | denied access fails with kind PermissionDenied',
];

const targets: Array<{ cleanup(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(targets.map((t) => t.cleanup()));
});
function target(provider?: Parameters<typeof createReferenceTarget>[0]): ReturnType<typeof createReferenceTarget> {
  const t = createReferenceTarget(provider);
  targets.push(t);
  return t;
}

/** Runs one named case and returns the assertion it failed with (or undefined when it passed). */
async function failureOf(provider: Parameters<typeof createReferenceTarget>[0], name: string): Promise<Error | undefined> {
  const found = conformanceCases(target(provider)).find((c) => c.name === name);
  expect(found).toBeDefined();
  try {
    await found!.run();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('testkit against the reference provider', () => {
  runConformance(test, target());
});

describe('testkit against the reference provider with a correct readInto()', () => {
  runConformance(test, target(withReadInto('correct')));
});

describe('testkit', () => {
  test('testkit | the reference provider gets every case, in a stable order', () => {
    expect(conformanceCases(target()).map((c) => c.name)).toEqual(ALL_CASES);
  });

  test('testkit | cases follow capabilities and the optional hooks of the target', () => {
    const base = createReferenceProvider();
    const single = { ...base, capabilities: { rangedRead: false, prefixListing: false, checksums: [], versionPinning: false } };
    const t = target(single);
    const names = conformanceCases({ provider: single, seed: t.seed, objectUri: t.objectUri }).map((c) => c.name);
    expect(names).toEqual([
      'capabilities | are well-formed',
      'list | one object: path is its basename, size and bytes are exact',
      'list | names with spaces and unicode keep their exact path',
      'list | version is stable across two listings',
      'list | checksums: only declared algorithms, lowercase hex, matching the bytes',
      'errors | missing object: list yields nothing or fails with NotFound; read fails with NotFound',
    ]);
  });

  test('testkit | runConformance registers every case with the given test function', async () => {
    const registered: Array<[string, () => Promise<void>]> = [];
    runConformance((name, fn) => registered.push([name, fn]), target());
    expect(registered.map(([name]) => name)).toEqual(ALL_CASES);
    await registered[0][1](); // capabilities | are well-formed
  });

  test.each(BROKEN_PROVIDERS.map((b) => [b.make().name, b.mustFail, b.make] as const))(
    'testkit | fails against %s in case "%s"', async (_name, mustFail, make) => {
      const error = await failureOf(make(), mustFail);
      expect(error).toBeInstanceOf(AssertionError);
    });

  test('testkit | a readInto() that breaks the sink contract is told which rule it broke', async () => {
    const ranges = 'read | ranges: first byte, middle, last byte, whole object';
    expect((await failureOf(withReadInto('ignores-backpressure'), ranges))?.message).toMatch(/called sink\.write\(\) again before the promise/);
    expect((await failureOf(withReadInto('scribbles-while-pending'), ranges))?.message).toMatch(/changed bytes it had handed to sink\.write\(\)/);
    expect((await failureOf(withReadInto('drops-last-chunk'), ranges))?.message).toMatch(/readInto\(ranged\.bin.*must deliver exactly the bytes read\(\) returns/);
  });

  test('testkit | a failure says what the provider did wrong', async () => {
    const sized = await failureOf(wrongSize(), 'list | one object: path is its basename, size and bytes are exact');
    expect(sized?.message).toMatch(/reported size 5001 for "model\.bin", which holds 5000 bytes; size must be exact/);
    const ranged = await failureOf(ignoresRanges(), 'read | ranges: first byte, middle, last byte, whole object');
    expect(ranged?.message).toMatch(/read\(ranged\.bin, range 0\.\.1\) returned more than 1 bytes/);
  });

  test('testkit | a provider that checks capabilities badly fails the capabilities case', async () => {
    const base = createReferenceProvider();
    const bad = { ...base, capabilities: { ...base.capabilities, checksums: ['md5', 'blake3'] as never } };
    expect((await failureOf(bad, 'capabilities | are well-formed'))?.message).toMatch(/"blake3"/);
  });

  test('testkit | a read that never ends is reported, not waited on forever, when its bytes overflow', async () => {
    const base = createReferenceProvider();
    const endless = {
      ...base,
      async read() {
        const { Readable } = await import('node:stream');
        let n = 0;
        return new Readable({ read() { this.push(Buffer.alloc(1024, n++)); } });
      },
    };
    expect((await failureOf(endless, 'list | one object: path is its basename, size and bytes are exact'))?.message)
      .toMatch(/returned more than 5000 bytes/);
  });
});
