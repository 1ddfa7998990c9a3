import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDACTED, Redactor } from '../src/output/redact.js';

describe('redaction', () => {
  test('redact | secret values from the credential variables are replaced wherever they appear', () => {
    const r = new Redactor({ AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG', MODEL_REGISTRY_TOKEN: 'tok-123456' });
    expect(r.redact('key wJalrXUtnFEMI/K7MDENG and tok-123456')).toBe(`key ${REDACTED} and ${REDACTED}`);
  });

  test('redact | header values, token files, URL credentials, signatures and bearer tokens are replaced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-init-redact-'));
    writeFileSync(join(dir, 'token'), 'projected-sa-token-value\n');
    const r = new Redactor({ 'models.example.com-headers': '{"X-Api-Key": "hdr-secret-1"}', MODEL_REGISTRY_TOKEN_FILE: join(dir, 'token') });
    expect(r.redact('sent hdr-secret-1 and projected-sa-token-value')).toBe(`sent ${REDACTED} and ${REDACTED}`);
    expect(r.redact('GET https://user:pa55@host/p?X-Amz-Signature=abc&x=1')).toBe(`GET https://${REDACTED}@host/p?X-Amz-Signature=${REDACTED}&x=1`);
    expect(r.redact('https://a.blob.core.windows.net/c/b?sv=2021&sig=s1g%3D')).toBe(`https://a.blob.core.windows.net/c/b?sv=${REDACTED}&sig=${REDACTED}`);
    expect(r.redact('Authorization: Bearer abc.def.ghi')).toBe(`Authorization: ${REDACTED}`);
    expect(r.redact('AccountName=a;AccountKey=Zm9vYmFy==;')).toBe(`AccountName=a;AccountKey=${REDACTED};`);
  });
});
