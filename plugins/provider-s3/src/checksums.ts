/**
 * Whole-object checksums S3 gives without reading the object: the ETag of a single-part upload is the
 * MD5 of its bytes, and `x-amz-checksum-*` headers (HeadObject with ChecksumMode) carry full-object CRCs
 * and SHAs. Multipart ETags (`<md5-of-md5s>-<parts>`) and COMPOSITE checksums are not whole-object
 * digests and are ignored.
 */
import type { Checksum, ChecksumAlgorithm } from '@mr-init/core';

/** The MD5 an ETag stands for, when it is a single-part ETag (32 hex digits, optionally quoted or weak). */
export function md5FromEtag(etag: string | undefined): Checksum | undefined {
  const match = /^(?:W\/)?"?([0-9a-f]{32})"?$/i.exec(etag?.trim() ?? '');
  return match ? { algorithm: 'md5', value: match[1]!.toLowerCase() } : undefined;
}

/** An ETag without quotes or weak prefix, for comparing two of them. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** The x-amz-checksum-* fields of a HeadObject / GetObject output. */
export interface ChecksumFields {
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
}

const FIELDS: Array<[keyof ChecksumFields, ChecksumAlgorithm]> = [
  ['ChecksumCRC32', 'crc32'], ['ChecksumCRC32C', 'crc32c'], ['ChecksumSHA1', 'sha1'], ['ChecksumSHA256', 'sha256'],
];

/** Algorithms the listing says an object has (ListObjectsV2 `ChecksumAlgorithm`) that the engine can verify. */
export const HEADER_ALGORITHMS: ReadonlySet<string> = new Set(['CRC32', 'CRC32C', 'SHA1', 'SHA256']);

/** Full-object checksums from x-amz-checksum-* values (base64 → lowercase hex); composite ones are skipped. */
export function checksumsFromHeaders(output: ChecksumFields): Checksum[] {
  if (output.ChecksumType === 'COMPOSITE') return [];
  const checksums: Checksum[] = [];
  for (const [field, algorithm] of FIELDS) {
    const value = output[field];
    // A composite value ends in -<parts>; it is a checksum of part checksums, not of the bytes.
    if (!value || value.includes('-')) continue;
    const hex = Buffer.from(value, 'base64').toString('hex');
    if (hex) checksums.push({ algorithm, value: hex });
  }
  return checksums;
}
