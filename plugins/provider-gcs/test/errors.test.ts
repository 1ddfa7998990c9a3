import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';
import { toProviderError } from '../src/errors.js';
import { startFakeGcs, type FakeGcs } from '../../../test/servers/gcs/index.js';
import { collect, gsUri, makeCtx } from './helpers.js';

let fake: FakeGcs;
let env: Record<string, string>;
let object: RemoteObject;

beforeAll(async () => {
  fake = await startFakeGcs();
  env = { STORAGE_EMULATOR_HOST: fake.emulatorHost };
  fake.putObject('errs', 'dir/a.bin', Buffer.from('aaaa'));
  fake.putObject('errs', 'single.bin', Buffer.from('ssss'));
  [object] = await collect(provider.list(gsUri('errs', 'dir/a.bin'), makeCtx(env)));
});
afterAll(async () => {
  await provider.close?.();
  await fake.close();
});

/** Runs `action` and returns how many requests the fake saw meanwhile (SDK retries would show here). */
async function attempts(action: () => Promise<unknown>): Promise<{ error: unknown; count: number }> {
  const before = fake.requests.length;
  const error = await action().then(() => undefined, (e: unknown) => e);
  return { error, count: fake.requests.length - before };
}

describe('gcs errors', () => {
  test('gcs errors | 503 on a listing is Unavailable and retryable, after exactly one attempt', async () => {
    fake.fault({ on: 'list', status: 503, times: 5 });
    const { error, count } = await attempts(() => collect(provider.list(gsUri('errs', 'dir'), makeCtx(env))));
    fake.clearFaults();
    expect(error).toMatchObject({ kind: 'Unavailable', retryable: true, status: 503 });
    expect((error as Error).message).toMatch(/^gcs: list gs:\/\/errs\/dir\/ failed: HTTP 503 Injected fault/);
    expect(count).toBe(1);
  });

  test('gcs errors | 503 on a read is Unavailable and retryable, after exactly one attempt', async () => {
    fake.fault({ on: 'media', status: 503, times: 5 });
    const { error, count } = await attempts(() => provider.read(object, { start: 0, end: 2 }, makeCtx(env)));
    fake.clearFaults();
    expect(error).toMatchObject({ kind: 'Unavailable', retryable: true, status: 503 });
    expect(count).toBe(1);
  });

  test('gcs errors | 429 is RateLimited with the server\'s Retry-After', async () => {
    fake.fault({ on: 'media', status: 429, retryAfter: 7 });
    const { error } = await attempts(() => provider.read(object, undefined, makeCtx(env)));
    expect(error).toMatchObject({ kind: 'RateLimited', retryable: true, status: 429, retryAfterMs: 7000 });
  });

  test('gcs errors | 403 on a read is PermissionDenied with a hint, not retryable', async () => {
    fake.fault({ on: 'media', status: 403 });
    const { error } = await attempts(() => provider.read(object, undefined, makeCtx(env)));
    expect(error).toMatchObject({ kind: 'PermissionDenied', retryable: false, status: 403 });
    expect((error as { hint: string }).hint).toContain('GOOGLE_APPLICATION_CREDENTIALS');
  });

  test('gcs errors | 403 on a listing is PermissionDenied', async () => {
    fake.fault({ on: 'list', status: 403 });
    await expect(collect(provider.list(gsUri('errs', 'dir'), makeCtx(env)))).rejects.toMatchObject({ kind: 'PermissionDenied', status: 403 });
  });

  test('gcs errors | a missing object is NotFound on read', async () => {
    const ghost: RemoteObject = { path: 'ghost.bin', size: 4, location: 'errs/ghost.bin' };
    await expect(provider.read(ghost, undefined, makeCtx(env))).rejects.toMatchObject({ kind: 'NotFound', status: 404, retryable: false });
  });

  test('gcs errors | a 500 while looking up a single object is Unavailable, not "nothing there"', async () => {
    fake.fault({ on: 'metadata', status: 500 });
    await expect(collect(provider.list(gsUri('errs', 'single.bin'), makeCtx(env)))).rejects.toMatchObject({ kind: 'Unavailable', status: 500 });
  });

  test('gcs errors | a refused connection is Unavailable and retryable', async () => {
    const closed = await startFakeGcs();
    const deadEnv = { STORAGE_EMULATOR_HOST: closed.emulatorHost };
    await closed.close();
    await expect(collect(provider.list(gsUri('errs', 'dir'), makeCtx(deadEnv)))).rejects.toMatchObject({ kind: 'Unavailable', retryable: true });
  });

  test('gcs errors | invalid settings are InvalidConfig before any request', async () => {
    const before = fake.requests.length;
    await expect(collect(provider.list(gsUri('errs', 'dir'), makeCtx({ ...env, GCS_LIST_PAGE_SIZE: 'lots' })))).rejects.toMatchObject({ kind: 'InvalidConfig' });
    await expect(collect(provider.list(new URL('gs:///nobucket'), makeCtx(env)))).rejects.toMatchObject({ kind: 'InvalidConfig' });
    expect(fake.requests.length).toBe(before);
  });

  test('gcs errors | mapping: kinds by status, network codes, and errors that already have a kind', () => {
    const where = { op: 'read', target: 'gs://b/o', authMode: 'anonymous' as const };
    const api = (code: number) => Object.assign(new Error('x'), { code });
    expect(toProviderError(api(404), where).kind).toBe('NotFound');
    expect(toProviderError(api(401), where).kind).toBe('PermissionDenied');
    expect(toProviderError(api(412), where).kind).toBe('VersionChanged');
    expect(toProviderError(api(502), where)).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toProviderError(api(408), where)).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toProviderError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), where)).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toProviderError(Object.assign(new Error('network timeout'), { type: 'request-timeout' }), where)).toMatchObject({ kind: 'Unavailable', retryable: true });
    expect(toProviderError(new Error('weird'), where)).toMatchObject({ kind: 'Unexpected', retryable: false });
    const own = Object.assign(new Error('mine'), { kind: 'InvalidConfig', retryable: false });
    expect(toProviderError(own, where)).toBe(own);
    const raw = Object.assign(new Error('{"error":{"code":404,"message":"No such object: b/o"}}'), { code: 404 });
    expect(toProviderError(raw, where).message).toBe('gcs: read gs://b/o failed: HTTP 404 No such object: b/o');
  });
});
