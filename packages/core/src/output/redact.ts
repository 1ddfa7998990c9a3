/**
 * Secret redaction for every line mr-init writes. Key-based redaction is not enough (a signed URL inside
 * an error message is a secret too), so this works on the text itself: known secret values, credentials
 * in URLs, signature query parameters and Authorization headers.
 */
import { readFileSync } from 'node:fs';

export const REDACTED = 'REDACTED';

/** Environment variables whose values are secrets wherever they appear. */
export const SECRET_ENV_NAMES = [
  'MODEL_REGISTRY_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AZURE_STORAGE_ACCESS_KEY',
  'AZURE_STORAGE_CONNECTION_STRING', 'AZURE_CLIENT_SECRET', 'AZ_CLIENT_SECRET', 'STORAGE_CONFIG',
  'STORAGE_OVERRIDE_CONFIG',
];

const PATTERNS: Array<[RegExp, string]> = [
  // userinfo in URLs: scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // signature-bearing query parameters (S3 presign, Azure SAS, GCS signed URLs, generic tokens)
  [/([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sig|signature|token|access_token|code|key|se|sp|sv|skoid|sktid)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // Authorization-style headers and bearer tokens
  [/\b(authorization|proxy-authorization|x-api-key|cookie)(["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+)?[^\s"',}]+/gi, `$1$2${REDACTED}`],
  [/\bbearer\s+[A-Za-z0-9._~+/-]+=*/gi, `Bearer ${REDACTED}`],
  // AccountKey=...; SharedAccessSignature=... in connection strings
  [/\b(AccountKey|SharedAccessSignature)=[^;\s"']+/gi, `$1=${REDACTED}`],
];

/** Replaces secrets in text. Values shorter than 4 characters are not treated as secrets (too many false hits). */
export class Redactor {
  private readonly values = new Set<string>();

  constructor(env: Readonly<Record<string, string | undefined>> = {}) {
    for (const name of SECRET_ENV_NAMES) this.add(env[name]);
    for (const [name, value] of Object.entries(env)) {
      // KServe's `<hostname>-headers` variables hold credentials in their values.
      if (name.endsWith('-headers') && value) this.addJsonValues(value);
    }
    this.addFile(env.MODEL_REGISTRY_TOKEN_FILE);
  }

  /** Registers the contents of a secret file (a projected token), if it can be read. */
  addFile(path: string | undefined): void {
    if (!path) return;
    try {
      this.add(readFileSync(path, 'utf8'));
    } catch {
      // unreadable now: the component that needs it reports that
    }
  }

  /** Registers one more secret value (a token read from a file, a header value…). */
  add(value: string | undefined): void {
    if (value && value.trim().length >= 4) this.values.add(value.trim());
  }

  private addJsonValues(json: string): void {
    try {
      const parsed: unknown = JSON.parse(json);
      if (parsed && typeof parsed === 'object') for (const v of Object.values(parsed)) if (typeof v === 'string') this.add(v);
    } catch {
      this.add(json);
    }
  }

  redact(text: string): string {
    let out = text;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}
