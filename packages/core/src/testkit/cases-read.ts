/** Reading cases: byte ranges and version pinning. */
import assert from 'node:assert/strict';
import type { ByteRange, RemoteObject } from '../providers/contract.js';
import { assertProviderError, assertSameBytes, describeRead, expectFailure, fixtureBytes, listAll, makeContext, readBytes, within } from './helpers.js';
import type { ConformanceCase, ConformanceTarget } from './types.js';

/** Lists one seeded object and returns it, failing clearly when the listing does not hold exactly one. */
export async function listOne(target: ConformanceTarget, root: URL, key: string): Promise<RemoteObject> {
  const uri = target.objectUri(root, key);
  const objects = await listAll(target.provider, uri, makeContext(target.ctx));
  assert.equal(objects.length, 1, `list(${uri.href}) yielded ${objects.length} objects for one seeded object; it must yield exactly that object`);
  return objects[0];
}

export function readCases(target: ConformanceTarget): ConformanceCase[] {
  const { capabilities } = target.provider;
  const cases: ConformanceCase[] = [];
  if (capabilities.rangedRead) {
    cases.push({
      name: 'read | ranges: first byte, middle, last byte, whole object',
      async run() {
        // Larger than common 64 KiB stream chunks, so ranges start and end inside and across chunks.
        const bytes = fixtureBytes(300_000, 20);
        const root = await target.seed({ 'ranged.bin': bytes });
        const obj = await listOne(target, root, 'ranged.bin');
        const ranges: ByteRange[] = [
          { start: 0, end: 1 },
          { start: 10, end: 20 },
          { start: 65_530, end: 140_001 },
          { start: bytes.length - 1, end: bytes.length },
          { start: 0, end: bytes.length },
        ];
        for (const range of ranges) {
          const got = await readBytes(target.provider, obj, range, makeContext(target.ctx), range.end - range.start);
          assertSameBytes(got, bytes.subarray(range.start, range.end), describeRead(obj, range),
            'a ranged read must return exactly end-start bytes, from start');
        }
      },
    });
  }
  if (capabilities.versionPinning) {
    cases.push({
      name: 'read | a version other than the current one fails with kind VersionChanged',
      async run() {
        // Two objects with the same key under two roots: B's version is a well-formed version that A does not have.
        const a = await listOne(target, await target.seed({ 'pinned.bin': fixtureBytes(1000, 21) }), 'pinned.bin');
        const b = await listOne(target, await target.seed({ 'pinned.bin': fixtureBytes(1500, 22) }), 'pinned.bin');
        assert.ok(a.version && b.version, `list() gave no version (${JSON.stringify(a.version)}), but capabilities.versionPinning is true`);
        assert.notEqual(a.version, b.version, `two objects with different bytes both have version ${a.version}; versions must tell contents apart`);
        const stale: RemoteObject = { ...a, version: b.version };
        const reads: Array<ByteRange | undefined> = capabilities.rangedRead ? [undefined, { start: 0, end: 10 }, { start: 100, end: 200 }] : [undefined];
        for (const range of reads) {
          const what: string = `${describeRead(stale, range)} with version ${b.version} while the object has ${a.version}`;
          const error = await expectFailure(() => readBytes(target.provider, stale, range, makeContext(target.ctx), 1500),
            () => `${what} succeeded; with versionPinning, read() must refuse a version the object no longer has`);
          assertProviderError(error, 'VersionChanged', what);
          assert.equal((error as { retryable: boolean }).retryable, false, `${what} failed with retryable=true; a changed object does not change back, so VersionChanged is not retryable`);
        }
      },
    });
  }
  if (target.provider.readInto) cases.push(readIntoStopCase(target));
  return cases;
}

/** What `promise` settled with ('resolved' or its error), failing when it did not settle within `ms`. */
function settlesWithin(promise: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  return within(promise.then(() => 'resolved', (error: unknown) => error), ms, what);
}

/** readInto() gives up when the engine does: a sink promise that rejects, or the signal aborting mid-body. */
function readIntoStopCase(target: ConformanceTarget): ConformanceCase {
  return {
    name: 'read | readInto stops when the sink refuses its bytes or the signal aborts',
    async run() {
      const bytes = fixtureBytes(600_000, 23);
      const obj = await listOne(target, await target.seed({ 'stop.bin': bytes }), 'stop.bin');
      const what = `readInto(${obj.path})`;

      const refused = { write: () => Promise.reject(new Error('the engine stopped this read')) };
      const refusal = await settlesWithin(target.provider.readInto!(obj, undefined, refused, makeContext(target.ctx)), 10_000,
        `${what} after sink.write() rejected`);
      assert.ok(refusal instanceof Error, `${what} resolved although sink.write() rejected; it must stop and fail`);

      const controller = new AbortController();
      const aborting = {
        write: () => {
          controller.abort(new Error('stall deadline'));
          return new Promise<void>(() => {}); // an engine that aborted need not answer any more
        },
      };
      const ctx = makeContext({ ...target.ctx, signal: controller.signal });
      const aborted = await settlesWithin(target.provider.readInto!(obj, undefined, aborting, ctx), 10_000,
        `${what} after its signal was aborted mid-body`);
      assert.ok(aborted instanceof Error, `${what} resolved although its signal was aborted mid-body; it must fail`);
    },
  };
}
