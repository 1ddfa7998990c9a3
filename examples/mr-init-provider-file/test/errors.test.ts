import { stat } from 'node:fs/promises';
import { decorateStreamError, fromFsError, kindOf } from '../src/errors.js';

/** An error shaped as Node's fs module raises it. */
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, open '/m/x'`), { code, syscall: 'open', path: '/m/x' });

describe('errors', () => {
  test.each([
    ['ENOENT', 'NotFound', false],
    ['ENOTDIR', 'NotFound', false],
    ['EACCES', 'PermissionDenied', false],
    ['EPERM', 'PermissionDenied', false],
    ['ERR_ACCESS_DENIED', 'PermissionDenied', false],
    ['EMFILE', 'Unavailable', true],
    ['EIO', 'Unavailable', true],
    ['ESTALE', 'Unavailable', true],
    ['EISDIR', 'Unexpected', false],
  ])('errors | %s maps to kind %s (retryable %s)', (code, kind, retryable) => {
    expect(kindOf(code)).toEqual({ kind, retryable });
    expect(fromFsError(errno(code), 'read /m/x')).toMatchObject({ kind, retryable });
  });

  test('errors | a real ENOENT from the file system becomes NotFound with the operation and path', async () => {
    const real = await stat('/definitely/not/here').catch((e: unknown) => e);
    const error = fromFsError(real, 'list /definitely/not/here');
    expect(error).toMatchObject({ kind: 'NotFound', retryable: false, cause: real });
    expect(error.message).toBe('file: list /definitely/not/here: no such file or folder (ENOENT)');
  });

  test('errors | EACCES says what to do, and a provider error is not wrapped twice', () => {
    const error = fromFsError(errno('EACCES'), 'list /m');
    expect(error.message).toBe('file: list /m: permission denied (EACCES)');
    expect(error.hint).toMatch(/readable by the user mr-init runs as/);
    expect(fromFsError(error, 'again')).toBe(error);
  });

  test('errors | a stream error gets a kind in place; an abort stays as it is', () => {
    const io = errno('EIO');
    decorateStreamError(io, 'read /m/x');
    expect(io).toMatchObject({ kind: 'Unavailable', retryable: true });
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    decorateStreamError(abort, 'read /m/x');
    expect(abort).not.toHaveProperty('kind');
  });
});
