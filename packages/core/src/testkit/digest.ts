/** Reference digests the kit compares providers' checksums with: lowercase hex, as the contract requires. */
import { createHash } from 'node:crypto';
import type { ChecksumAlgorithm } from '../providers/contract.js';

/** Hex length of each algorithm's digest. */
export const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { md5: 32, sha256: 64, sha1: 40, crc32c: 8, crc32: 8 };

const tables = new Map<number, Uint32Array>();

function table(polynomial: number): Uint32Array {
  let t = tables.get(polynomial);
  if (!t) {
    t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
      t[n] = c >>> 0;
    }
    tables.set(polynomial, t);
  }
  return t;
}

/** Reflected CRC-32 family; fine for the kit's small fixtures (speed is not the point here). */
function crc(bytes: Buffer, polynomial: number): string {
  const t = table(polynomial);
  let c = 0xffffffff;
  for (const b of bytes) c = t[(c ^ b) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** The digest of `bytes` for `algorithm`, in lowercase hex (CRCs big-endian, as GCS and S3 encode them). */
export function digestHex(algorithm: ChecksumAlgorithm, bytes: Buffer): string {
  switch (algorithm) {
    case 'md5':
    case 'sha256':
    case 'sha1':
      return createHash(algorithm).update(bytes).digest('hex');
    case 'crc32':
      return crc(bytes, 0xedb88320);
    case 'crc32c':
      return crc(bytes, 0x82f63b78);
  }
}
