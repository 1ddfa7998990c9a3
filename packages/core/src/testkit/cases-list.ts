/** Listing cases: one object, prefixes, names, empty results, the v1/v10 sibling rule, versions, checksums. */
import assert from 'node:assert/strict';
import type { RemoteObject } from '../providers/contract.js';
import { digestHex, HEX_LENGTH } from './digest.js';
import { assertSameBytes, fixtureBytes, listAll, makeContext, readBytes } from './helpers.js';
import type { ConformanceCase, ConformanceTarget } from './types.js';

/** Asserts the fields every listed object must have, whatever the backend. */
export function assertObjectShape(obj: RemoteObject, what: string): void {
  assert.ok(obj && typeof obj === 'object', `${what} yielded ${String(obj)}; list() must yield RemoteObject values`);
  assert.ok(typeof obj.path === 'string' && obj.path.length > 0, `${what} yielded an object with path ${JSON.stringify(obj.path)}; path must be a non-empty string`);
  assert.ok(!obj.path.startsWith('/') && !obj.path.endsWith('/') && !obj.path.includes('\\'),
    `${what} yielded path "${obj.path}"; paths are relative, '/'-separated, without a leading or trailing '/'`);
  assert.ok(Number.isInteger(obj.size) && obj.size >= -1, `${what} yielded "${obj.path}" with size ${obj.size}; size must be an integer ≥ 0, or -1 when unknown`);
  assert.ok(typeof obj.location === 'string' && obj.location.length > 0, `${what} yielded "${obj.path}" without a location; read() needs it`);
  if (obj.version !== undefined) assert.ok(typeof obj.version === 'string' && obj.version.length > 0, `${what} yielded "${obj.path}" with version ${JSON.stringify(obj.version)}; a version is a non-empty string or absent`);
  if (obj.contentType !== undefined) assert.equal(typeof obj.contentType, 'string', `${what} yielded "${obj.path}" with a non-string contentType`);
  if (obj.checksums !== undefined) assert.ok(Array.isArray(obj.checksums), `${what} yielded "${obj.path}" with checksums that are not an array`);
}

/** Lists `uri`, checks every object's shape and returns them by path (duplicates are an error). */
async function listByPath(target: ConformanceTarget, uri: URL): Promise<Map<string, RemoteObject>> {
  const what = `list(${uri.href})`;
  const objects = await listAll(target.provider, uri, makeContext(target.ctx), what);
  const byPath = new Map<string, RemoteObject>();
  for (const obj of objects) {
    assertObjectShape(obj, what);
    assert.ok(!byPath.has(obj.path), `${what} yielded "${obj.path}" twice; each object must be listed once`);
    byPath.set(obj.path, obj);
  }
  return byPath;
}

/** Asserts the listing holds exactly `expected` (path → bytes) with exact sizes, and that reading each gives its bytes. */
async function assertListing(target: ConformanceTarget, uri: URL, expected: Record<string, Buffer>, rule: string): Promise<void> {
  const what = `list(${uri.href})`;
  const byPath = await listByPath(target, uri);
  const got = [...byPath.keys()].sort();
  const want = Object.keys(expected).sort();
  assert.deepEqual(got, want, `${what} yielded paths ${JSON.stringify(got)}; expected ${JSON.stringify(want)} (${rule})`);
  for (const [path, bytes] of Object.entries(expected)) {
    const obj = byPath.get(path)!;
    assert.equal(obj.size, bytes.length, `${what} reported size ${obj.size} for "${path}", which holds ${bytes.length} bytes; size must be exact`);
    const read = await readBytes(target.provider, obj, undefined, makeContext(target.ctx), bytes.length);
    assertSameBytes(read, bytes, `read(${path})`, 'a whole read must return exactly `size` bytes');
  }
}

export function listCases(target: ConformanceTarget): ConformanceCase[] {
  const { capabilities } = target.provider;
  const cases: ConformanceCase[] = [
    {
      name: 'list | one object: path is its basename, size and bytes are exact',
      async run() {
        const bytes = fixtureBytes(5000, 2);
        const root = await target.seed({ 'single/model.bin': bytes });
        await assertListing(target, target.objectUri(root, 'single/model.bin'), { 'model.bin': bytes },
          'listing one object yields that object alone, named by its basename');
      },
    },
    {
      name: 'list | names with spaces and unicode keep their exact path',
      async run() {
        const key = 'dir with space/naïve 模型 ü.bin';
        const bytes = fixtureBytes(300, 3);
        const root = await target.seed({ [key]: bytes });
        await assertListing(target, target.objectUri(root, key), { 'naïve 模型 ü.bin': bytes },
          'the basename must be decoded exactly once, spaces and unicode included');
        if (capabilities.prefixListing) await assertListing(target, root, { [key]: bytes }, 'paths are relative to the listed prefix, decoded');
      },
    },
    {
      name: 'list | version is stable across two listings',
      async run() {
        const root = await target.seed({ 'stable.bin': fixtureBytes(100, 4) });
        const uri = target.objectUri(root, 'stable.bin');
        const [first] = [...(await listByPath(target, uri)).values()];
        const [second] = [...(await listByPath(target, uri)).values()];
        assert.ok(first && second, `list(${uri.href}) yielded nothing for a seeded object`);
        if (capabilities.versionPinning) {
          assert.ok(first.version, `list(${uri.href}) gave no version, but capabilities.versionPinning is true; a pinning provider must report one`);
        }
        assert.equal(second.version, first.version,
          `list(${uri.href}) gave version ${JSON.stringify(first.version)} then ${JSON.stringify(second.version)} for an unchanged object; versions must be stable`);
      },
    },
    {
      name: 'list | checksums: only declared algorithms, lowercase hex, matching the bytes',
      async run() {
        const files = { 'a.bin': fixtureBytes(4096, 5), 'b/c.bin': fixtureBytes(77, 6), 'one-byte.bin': Buffer.from('x') };
        const root = await target.seed(files);
        for (const [key, bytes] of Object.entries(files)) {
          const uri = target.objectUri(root, key);
          for (const obj of (await listByPath(target, uri)).values()) {
            const seen = new Set<string>();
            for (const sum of obj.checksums ?? []) {
              const what = `list(${uri.href}) checksum ${JSON.stringify(sum)} of "${obj.path}"`;
              assert.ok(capabilities.checksums.includes(sum.algorithm),
                `${what}: algorithm "${sum.algorithm}" is not in capabilities.checksums ${JSON.stringify(capabilities.checksums)}; declare it or drop it`);
              assert.ok(!seen.has(sum.algorithm), `${what}: algorithm "${sum.algorithm}" appears twice`);
              seen.add(sum.algorithm);
              assert.match(sum.value, new RegExp(`^[0-9a-f]{${HEX_LENGTH[sum.algorithm]}}$`),
                `${what}: value must be ${HEX_LENGTH[sum.algorithm]} lowercase hex digits (convert base64 to hex)`);
              assert.equal(sum.value, digestHex(sum.algorithm, bytes), `${what}: the ${sum.algorithm} of the stored bytes is ${digestHex(sum.algorithm, bytes)}; a wrong checksum fails every download`);
            }
          }
        }
      },
    },
  ];
  if (!capabilities.prefixListing) return cases;
  return cases.concat([
    {
      name: 'list | prefix: relative paths of every object, nested folders included',
      async run() {
        const files = { 'a.txt': fixtureBytes(10, 7), 'sub/b.bin': fixtureBytes(2000, 8), 'sub/deeper/c.bin': fixtureBytes(3, 9) };
        const root = await target.seed(files);
        await assertListing(target, root, files, 'every object below the prefix, with paths relative to it');
      },
    },
    {
      name: 'list | a folder inside the root: paths are relative to that folder',
      async run() {
        const files = { 'top.bin': fixtureBytes(10, 10), 'sub/b.bin': fixtureBytes(20, 11), 'sub/deeper/c.bin': fixtureBytes(30, 12) };
        const root = await target.seed(files);
        await assertListing(target, target.objectUri(root, 'sub'), { 'b.bin': files['sub/b.bin'], 'deeper/c.bin': files['sub/deeper/c.bin'] },
          'listing a folder yields only what is below it, relative to it');
      },
    },
    {
      name: 'list | an empty prefix yields nothing and does not throw',
      async run() {
        const root = await target.seed({ 'present.bin': fixtureBytes(10, 13) });
        const uri = target.objectUri(root, 'nothing-here');
        let objects: RemoteObject[];
        try {
          objects = [...(await listByPath(target, uri)).values()];
        } catch (error) {
          assert.fail(`list(${uri.href}) threw "${(error as Error).message}" for a prefix with nothing under it; it must yield nothing (the core reports the empty result)`);
        }
        assert.deepEqual(objects.map((o) => o.path), [], `list(${uri.href}) yielded objects for a prefix with nothing under it`);
      },
    },
    {
      name: 'list | sibling rule: listing root/v1 returns no root/v10/… object',
      async run() {
        const root = await target.seed({ 'v1/a.bin': fixtureBytes(10, 14), 'v10/b.bin': fixtureBytes(11, 15), 'v1.bin': fixtureBytes(12, 16) });
        const uri = target.objectUri(root, 'v1');
        const paths = [...(await listByPath(target, uri)).keys()].sort();
        assert.deepEqual(paths, ['a.bin'],
          `list(${uri.href}) yielded ${JSON.stringify(paths)}; a folder "v1" must not pull its siblings "v10/…" or "v1.bin" (list "v1/" first, kserve#3776)`);
      },
    },
  ]);
}
