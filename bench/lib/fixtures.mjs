// Fixture files: random bytes, made fast (one random 64 MiB block, written again and again with a fresh
// random header at the start of each copy, so no two blocks are equal and nothing compresses), hashed
// while they are written. A sidecar `<file>.sha256` lets a kept work folder (--work) reuse them.
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';

const BLOCK = 64 * 2 ** 20;
const HEADER = 4096;

/** Creates `path` with `size` bytes (or reuses it when its size and sidecar match); resolves its sha256 hex. */
export async function makeFixture(path, size, shouldStop = () => false) {
  const sidecar = `${path}.sha256`;
  const existing = await stat(path).catch(() => undefined);
  if (existing?.size === size) {
    const recorded = (await readFile(sidecar, 'utf8').catch(() => '')).trim();
    if (/^[0-9a-f]{64}$/.test(recorded)) return recorded;
  }
  const block = randomBytes(Math.min(BLOCK, size));
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let at = 0; at < size; at += block.length) {
      if (shouldStop()) return undefined; // no sidecar: a half-made file is never reused
      randomFillSync(block, 0, Math.min(HEADER, block.length)); // this block differs from every other
      const chunk = block.subarray(0, Math.min(block.length, size - at));
      await fh.write(chunk, 0, chunk.length, at);
      hash.update(chunk);
    }
  } finally {
    await fh.close();
  }
  const digest = hash.digest('hex');
  await writeFile(sidecar, `${digest}\n`);
  return digest;
}

/** sha256 hex of a file, streamed. */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 2 ** 20 })) hash.update(chunk);
  return hash.digest('hex');
}
