/**
 * The tar byte stream of an archive file: raw for .tar and .tar.gz (node-tar detects gzip itself),
 * through `bzip2 -dc` or unbzip2-stream for .tar.bz2, through xz-decompress (WASM) for .tar.xz.
 * Every source reads on demand, so memory stays bounded by stream buffers.
 */
import { spawn } from 'node:child_process';
import { constants, createReadStream } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ErrArchive } from '../../errors.js';
import type { ArchiveKind } from './kind.js';

/** A decompressed tar stream, plus whatever must also succeed for the bytes to count (a child's exit). */
export interface TarSource {
  stream: Readable;
  /** Settles when the producer is done; rejects when it failed (bzip2's exit status). */
  done: Promise<void>;
  /** Stops the producer early (after a failure downstream). */
  cancel(): void;
}

/** Opens `archivePath` as a tar stream of the given kind. */
export async function openTarSource(
  archivePath: string,
  kind: Exclude<ArchiveKind, 'zip'>,
  archiveName: string,
  externalBzip2 = true,
): Promise<TarSource> {
  if (kind === 'tar.bz2') {
    const bzip2 = externalBzip2 ? await findOnPath('bzip2') : undefined;
    return bzip2 ? spawnBzip2(bzip2, archivePath, archiveName) : await jsBzip2(archivePath);
  }
  if (kind === 'tar.xz') return await xzSource(archivePath);
  const stream = createReadStream(archivePath);
  return { stream, done: Promise.resolve(), cancel: () => stream.destroy() };
}

function spawnBzip2(command: string, archivePath: string, archiveName: string): TarSource {
  const child = spawn(command, ['-dc', '--', archivePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 1000) stderr += chunk;
  });
  let cancelled = false;
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new ErrArchive(`cannot run bzip2 for ${archiveName}: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else if (cancelled) resolve();
      else {
        // bzip2 puts the reason on its first line ("bzip2: Compressed file ends unexpectedly;"), advice after.
        const first = stderr.trim().split('\n')[0]?.replace(/^bzip2:\s*/, '').replace(/[;:.]\s*$/, '');
        const why = first || (signal ? `killed by ${signal}` : `exit status ${code}`);
        reject(new ErrArchive(`${archiveName} is not a valid bzip2 stream: ${why}`));
      }
    });
  });
  return {
    stream: child.stdout,
    done,
    cancel: () => {
      cancelled = true;
      child.stdout.destroy();
      child.kill();
    },
  };
}

async function jsBzip2(archivePath: string): Promise<TarSource> {
  const { default: unbzip2 } = await import('unbzip2-stream');
  const file = createReadStream(archivePath);
  const decoder = unbzip2();
  // unbzip2-stream is a classic (through) stream. Readable.wrap() would drop its tail: the decoder
  // closes right after 'end', and wrap() then destroys the wrapper with data still buffered. Piping
  // into a PassThrough keeps backpressure (pause/drain) and ends it properly.
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  file.once('error', (error: Error) => stream.destroy(error));
  // Its errors on damaged input are bare (even a TypeError when truncated): say what they mean.
  decoder.once('error', (error: Error) =>
    stream.destroy(new Error(`not a valid bzip2 stream (${error.message})`, { cause: error })),
  );
  file.pipe(decoder).pipe(stream);
  return {
    stream,
    done: Promise.resolve(),
    cancel: () => {
      file.destroy();
      stream.destroy();
    },
  };
}

async function xzSource(archivePath: string): Promise<TarSource> {
  const { default: xz } = await import('xz-decompress');
  const handle = await open(archivePath, 'r');
  let closed = false;
  const close = (): void => {
    if (!closed) {
      closed = true;
      void handle.close().catch(() => undefined);
    }
  };
  // A pull-based web stream reads only when the decoder asks for more (Readable.toWeb buffers eagerly on Node 20).
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffer = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        close();
        controller.close();
      } else {
        controller.enqueue(buffer.subarray(0, bytesRead));
      }
    },
    cancel: close,
  });
  const stream = Readable.fromWeb(new xz.XzReadableStream(compressed) as import('node:stream/web').ReadableStream);
  stream.once('close', close);
  return { stream, done: Promise.resolve(), cancel: () => stream.destroy() };
}

const found = new Map<string, Promise<string | undefined>>();

/** The full path of an executable on PATH, or undefined; memoised per process. */
export function findOnPath(command: string): Promise<string | undefined> {
  let result = found.get(command);
  if (!result) {
    result = (async () => {
      for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
        if (!dir) continue;
        const candidate = join(dir, command);
        try {
          await access(candidate, constants.X_OK);
          return candidate;
        } catch {
          // not in this folder
        }
      }
      return undefined;
    })();
    found.set(command, result);
  }
  return result;
}
