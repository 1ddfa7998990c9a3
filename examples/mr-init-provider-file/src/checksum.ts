/** Opt-in checksums: every requested digest of a file in one streaming pass (never the whole file in memory). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Checksum } from '@mr-init/core';
import { fromFsError } from './errors.js';
import type { FileChecksum } from './options.js';

export async function checksumsOf(file: string, algorithms: readonly FileChecksum[]): Promise<Checksum[]> {
  const hashes = algorithms.map((algorithm) => ({ algorithm, hash: createHash(algorithm) }));
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      for (const { hash } of hashes) hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw fromFsError(error, `checksum of ${file}`);
  }
  return hashes.map(({ algorithm, hash }) => ({ algorithm, value: hash.digest('hex') }));
}
