/**
 * Checksums: incremental hashers for every algorithm the contract names, computed while writing when a
 * file arrives as one sequential stream, or by re-reading the finished file otherwise.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import type { Checksum, ChecksumAlgorithm } from '../providers/contract.js';

/** An incremental digest; `digest()` returns lowercase hex as the contract's `Checksum.value`. */
export interface Hasher {
  readonly algorithm: ChecksumAlgorithm;
  update(data: Uint8Array): void;
  digest(): string;
}

function cryptoHasher(algorithm: 'md5' | 'sha1' | 'sha256'): Hasher {
  const hash = createHash(algorithm);
  return { algorithm, update: (data) => hash.update(data), digest: () => hash.digest('hex') };
}

function crcHasher(algorithm: 'crc32' | 'crc32c', step: (data: Uint8Array, state: number) => number): Hasher {
  let state = 0;
  return {
    algorithm,
    update: (data) => { state = step(data, state); },
    digest: () => (state >>> 0).toString(16).padStart(8, '0'),
  };
}

const FACTORIES: Record<ChecksumAlgorithm, () => Hasher> = {
  md5: () => cryptoHasher('md5'),
  sha1: () => cryptoHasher('sha1'),
  sha256: () => cryptoHasher('sha256'),
  crc32: () => crcHasher('crc32', (data, state) => crc32(data, state)),
  crc32c: () => crcHasher('crc32c', (data, state) => crc32c(data, state)),
};

/** The checksums of `checksums` the engine can verify (unknown algorithms from a plugin are ignored). */
export function knownChecksums(checksums: readonly Checksum[] | undefined): Checksum[] {
  return (checksums ?? []).filter((c) => Object.hasOwn(FACTORIES, c.algorithm) && typeof c.value === 'string');
}

/** One fresh hasher per verifiable checksum. */
export function createHashers(checksums: readonly Checksum[] | undefined): Hasher[] {
  return knownChecksums(checksums).map((c) => FACTORIES[c.algorithm]());
}

/** A checksum that does not match, or undefined when all match. */
export interface ChecksumMismatch { algorithm: ChecksumAlgorithm; expected: string; actual: string }

export function findMismatch(hashers: readonly Hasher[], checksums: readonly Checksum[] | undefined): ChecksumMismatch | undefined {
  const expected = knownChecksums(checksums);
  for (let i = 0; i < hashers.length; i++) {
    const actual = hashers[i]!.digest();
    const want = expected[i]!.value.trim().toLowerCase();
    if (actual !== want) return { algorithm: expected[i]!.algorithm, expected: want, actual };
  }
  return undefined;
}

/** Hashes a finished file with every verifiable checksum, reading it once. */
export async function hashFile(path: string, checksums: readonly Checksum[] | undefined, signal: AbortSignal): Promise<Hasher[]> {
  const hashers = createHashers(checksums);
  if (hashers.length === 0) return hashers;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (const hasher of hashers) hasher.update(chunk);
  }
  return hashers;
}
