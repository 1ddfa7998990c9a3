import { ERROR_CLASSES, ErrConfig, ErrStorageNotFound, isMrInitError } from '../src/errors.js';

describe('errors', () => {
  test('errors | every class has a unique code equal to its name and a unique exit status', () => {
    const codes = new Set(ERROR_CLASSES.map((c) => c.code));
    const statuses = new Set(ERROR_CLASSES.map((c) => c.exitCode));
    expect(codes.size).toBe(ERROR_CLASSES.length);
    expect(statuses.size).toBe(ERROR_CLASSES.length);
    for (const c of ERROR_CLASSES) {
      expect(c.code).toBe(c.name);
      expect(c.exitCode).toBeGreaterThan(0);
      expect(c.exitCode).toBeLessThan(256);
    }
  });

  test('errors | toLine is one line with code, message and hint', () => {
    const e = new ErrStorageNotFound('no objects under s3://b/m\nat all.');
    expect(e.toLine()).toBe(`ErrStorageNotFound: no objects under s3://b/m at all. ${ErrStorageNotFound.help}`);
    expect(e.exitCode).toBe(13);
    expect(isMrInitError(e)).toBe(true);
    expect(isMrInitError(new Error('x'))).toBe(false);
    expect(new ErrConfig('bad', { hint: 'fix it' }).toLine()).toBe('ErrConfig: bad. fix it');
  });
});
