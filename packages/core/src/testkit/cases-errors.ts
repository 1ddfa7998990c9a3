/** Contract-shape and error cases: capabilities, missing objects and containers, denied access. */
import assert from 'node:assert/strict';
import type { ChecksumAlgorithm, RemoteObject } from '../providers/contract.js';
import { listOne } from './cases-read.js';
import { HEX_LENGTH } from './digest.js';
import { assertErrorShape, assertProviderError, expectFailure, fixtureBytes, listAll, makeContext, readBytes } from './helpers.js';
import type { ConformanceCase, ConformanceTarget } from './types.js';

const ALGORITHMS = Object.keys(HEX_LENGTH) as ChecksumAlgorithm[];

export function capabilityCases(target: ConformanceTarget): ConformanceCase[] {
  const { provider } = target;
  return [
    {
      name: 'capabilities | are well-formed',
      async run() {
        assert.ok(typeof provider.name === 'string' && provider.name.length > 0, `provider.name is ${JSON.stringify(provider.name)}; it must be a short non-empty name`);
        assert.equal(typeof provider.list, 'function', 'provider.list is not a function');
        assert.equal(typeof provider.read, 'function', 'provider.read is not a function');
        const c = provider.capabilities;
        assert.ok(c && typeof c === 'object', 'provider.capabilities is missing');
        for (const flag of ['rangedRead', 'prefixListing', 'versionPinning'] as const) {
          assert.equal(typeof c[flag], 'boolean', `capabilities.${flag} is ${JSON.stringify(c[flag])}; it must be a boolean`);
        }
        assert.ok(Array.isArray(c.checksums), 'capabilities.checksums must be an array (empty when the backend gives none)');
        for (const algorithm of c.checksums) {
          assert.ok(ALGORITHMS.includes(algorithm), `capabilities.checksums lists "${algorithm}"; known algorithms are ${ALGORITHMS.join(', ')}`);
        }
        assert.equal(new Set(c.checksums).size, c.checksums.length, `capabilities.checksums ${JSON.stringify(c.checksums)} repeats an algorithm`);
        if (c.listMaxPageSize !== undefined) {
          assert.ok(Number.isInteger(c.listMaxPageSize) && c.listMaxPageSize > 0, `capabilities.listMaxPageSize is ${c.listMaxPageSize}; it must be a positive integer or absent`);
        }
      },
    },
  ];
}

export function errorCases(target: ConformanceTarget): ConformanceCase[] {
  const { provider } = target;
  const cases: ConformanceCase[] = [
    {
      name: 'errors | missing object: list yields nothing or fails with NotFound; read fails with NotFound',
      async run() {
        const root = await target.seed({ 'present.bin': fixtureBytes(64, 30) });
        const uri = target.objectUri(root, 'missing.bin');
        let listed: RemoteObject[] | undefined;
        try {
          listed = await listAll(provider, uri, makeContext(target.ctx));
        } catch (error) {
          assertProviderError(error, 'NotFound', `list(${uri.href}) of a missing object`);
        }
        if (listed) assert.deepEqual(listed.map((o) => o.path), [], `list(${uri.href}) yielded objects for a key that was never written`);
        if (!target.remove) return;
        const obj = await listOne(target, root, 'present.bin');
        await target.remove(root, 'present.bin');
        const what = `read(${obj.path}) of an object deleted after it was listed`;
        const error = await expectFailure(() => readBytes(provider, obj, undefined, makeContext(target.ctx), 64),
          () => `${what} succeeded; it must fail with kind NotFound`);
        assertProviderError(error, 'NotFound', what);
        assert.equal((error as { retryable: boolean }).retryable, false, `${what} failed with retryable=true; a missing object is not retryable`);
      },
    },
  ];
  if (target.missingContainerUri) {
    const missingContainerUri = target.missingContainerUri.bind(target);
    cases.push({
      name: 'errors | missing container: list fails with kind NotFound',
      async run() {
        const uri = await missingContainerUri();
        const error = await expectFailure(() => listAll(provider, uri, makeContext(target.ctx)),
          (objects) => `list(${uri.href}) yielded ${(objects as unknown[]).length} objects for a container that does not exist; it must fail with kind NotFound`);
        assertProviderError(error, 'NotFound', `list(${uri.href}) of a missing container`);
      },
    });
  }
  if (target.deniedUri) {
    const deniedUri = target.deniedUri.bind(target);
    cases.push({
      name: 'errors | denied access fails with kind PermissionDenied',
      async run() {
        const uri = await deniedUri();
        const what = `list(${uri.href}) without permission`;
        const error = await expectFailure(() => listAll(provider, uri, makeContext(target.ctx)),
          () => `${what} succeeded; it must fail with kind PermissionDenied`);
        assertErrorShape(error, what);
        assertProviderError(error, 'PermissionDenied', what);
        assert.equal((error as { retryable: boolean }).retryable, false, `${what} failed with retryable=true; denied access is not retryable`);
      },
    });
  }
  return cases;
}
