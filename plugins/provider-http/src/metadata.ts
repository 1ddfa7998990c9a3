/** What HTTP response headers say about an object: size, version, checksums, and KServe's content-type rule. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Checksum } from '@mr-init/core';

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** A strong ETag, or undefined for a weak (`W/"…"`) or absent one: weak etags do not pin bytes. */
export function strongEtag(headers: IncomingHttpHeaders): string | undefined {
  const etag = one(headers.etag)?.trim();
  return etag && !/^w\//i.test(etag) ? etag : undefined;
}

/** The object's version: its strong ETag, else its Last-Modified date. */
export function versionOf(headers: IncomingHttpHeaders): string | undefined {
  return strongEtag(headers) ?? one(headers['last-modified'])?.trim() ?? undefined;
}

/** True when `version` is an ETag (quoted, or at least not an HTTP date) rather than a Last-Modified date. */
export function isEtagVersion(version: string): boolean {
  return version.startsWith('"') || Number.isNaN(Date.parse(version));
}

/** Content-Length, when the body is sent as stored (no content coding) and the header is a plain number. */
export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const coding = one(headers['content-encoding'])?.trim().toLowerCase();
  if (coding && coding !== 'identity') return undefined;
  const raw = one(headers['content-length']);
  return raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
}

/** `Content-Range: bytes a-b/total`, or `bytes *` + `/total` (416); total undefined when it is `*`. */
export function parseContentRange(value: string | undefined): { start?: number; end?: number; total?: number } | undefined {
  const m = value ? /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value) : null;
  if (!m) return undefined;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined ? undefined : Number(m[2]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

const DIGEST_LENGTH = { md5: 16, sha256: 32 } as const;

function fromBase64(algorithm: keyof typeof DIGEST_LENGTH, value: string): Checksum | undefined {
  const bytes = Buffer.from(value.trim(), 'base64');
  return bytes.length === DIGEST_LENGTH[algorithm] ? { algorithm, value: bytes.toString('hex') } : undefined;
}

function algorithmOf(name: string): keyof typeof DIGEST_LENGTH | undefined {
  const n = name.trim().toLowerCase();
  return n === 'sha-256' ? 'sha256' : n === 'md5' ? 'md5' : undefined;
}

/**
 * Whole-object checksums, as lowercase hex: `Repr-Digest` (RFC 9530, `sha-256=:b64:`), `Digest` (RFC 3230,
 * `sha-256=b64`), and `Content-MD5` unless the response is partial (it then covers only the part sent).
 * The first source per algorithm wins; malformed values are ignored rather than trusted.
 */
export function checksumsOf(headers: IncomingHttpHeaders, partial: boolean): Checksum[] {
  const found = new Map<string, Checksum>();
  const add = (sum: Checksum | undefined): void => {
    if (sum && !found.has(sum.algorithm)) found.set(sum.algorithm, sum);
  };
  for (const [header, wrapped] of [['repr-digest', true], ['digest', false]] as const) {
    for (const item of (one(headers[header]) ?? '').split(',')) {
      const eq = item.indexOf('=');
      if (eq < 0) continue;
      const algorithm = algorithmOf(item.slice(0, eq));
      let value = item.slice(eq + 1).trim();
      if (wrapped) {
        if (!/^:.*:$/.test(value)) continue;
        value = value.slice(1, -1);
      }
      if (algorithm) add(fromBase64(algorithm, value));
    }
  }
  const md5 = one(headers['content-md5']);
  if (md5 && !partial) add(fromBase64('md5', md5));
  return [...found.values()];
}

const ZIP_TYPES = ['application/x-zip-compressed', 'application/zip', 'application/zip-compressed'];
const TAR_TYPES = ['application/x-tar', 'application/x-gtar', 'application/x-gzip', 'application/gzip'];

/** What KServe guesses from a name (Python's mimetypes): 'zip', 'tar' (also compressed: .tar.gz, .tgz, .tar.xz…) or undefined. */
function archiveKind(name: string): 'zip' | 'tar' | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.zip')) return 'zip';
  if (/\.(tar(\.(gz|z|bz2|xz|br))?|tgz|taz|tz|tbz2|txz)$/.test(n)) return 'tar';
  return undefined;
}

/**
 * KServe's content-type rule, for HTTP_STRICT_CONTENT_TYPE: `.zip` names need a zip type, `.tar`/`.tar.gz`/
 * `.tgz` a tar or gzip type, anything else `application/octet-stream`. Where the path says nothing, KServe
 * looks at the query (`?file=model.zip`). Returns what was expected when the type fails, else undefined.
 */
export function strictContentTypeProblem(url: URL, contentType: string | undefined): string | undefined {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const kind = archiveKind(url.pathname) ?? (/\.[a-z0-9]+$/i.test(url.pathname) ? undefined : archiveKind(url.search));
  if (kind === 'zip') return ZIP_TYPES.includes(type) ? undefined : ZIP_TYPES.join(', ');
  if (kind === 'tar') return TAR_TYPES.includes(type) ? undefined : TAR_TYPES.join(', ');
  return type === 'application/octet-stream' ? undefined : 'application/octet-stream';
}
