import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CliLogger, type LogFormat, type LogLevel } from '../../src/output/logger.js';
import { runTransfers } from '../../src/transfer/index.js';
import { createProgress, formatBytes, formatRate } from '../../src/transfer/progress.js';
import { MemoryProvider } from '../support/memory-provider.js';
import { bytes, cleanupTemp, KiB, makeJob, MiB, silentContext, tempDir, testOptions } from './helpers.js';

afterAll(cleanupTemp);

/** A logger writing into a file, and a reader of what it wrote. */
async function fileLogger(level: LogLevel, format: LogFormat): Promise<{ logger: CliLogger; text: () => string; close: () => void }> {
  const path = join(await tempDir(), 'log.txt');
  const fd = openSync(path, 'w');
  return { logger: new CliLogger({ level, format, fd }), text: () => readFileSync(path, 'utf8'), close: () => closeSync(fd) };
}

/** Resolves once `check()` holds (polling an event that must happen, not measuring time). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe('transfer progress', () => {
  test('format | bytes in binary units, rate in decimal MB/s', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * MiB)).toBe('3.0 MiB');
    expect(formatRate(10_000_000, 2)).toBe('5.0 MB/s');
  });

  test('log | periodic lines give files, bytes, rate and ETA; json mode gives fields', async () => {
    const text = await fileLogger('info', 'text');
    const progress = await createProgress('log', 100, text.logger);
    progress.addTotals(4, 10 * MiB);
    progress.addBytes(5 * MiB, true);
    progress.fileDone();
    await eventually(() => text.text().includes('progress:'));
    progress.stop();
    expect(text.text()).toMatch(/progress: 1\/4 files, 5\.0 MiB of 10\.0 MiB, [\d.]+ MB\/s, ETA \d+ s/);
    text.close();

    const json = await fileLogger('info', 'json');
    const jsonProgress = await createProgress('auto', 100, json.logger, Object.assign(new PassThrough(), { isTTY: false }));
    jsonProgress.addTotals(2, 1000);
    jsonProgress.addBytes(500, true);
    await eventually(() => json.text().includes('"msg":"progress"'));
    jsonProgress.stop();
    const line = JSON.parse(json.text().split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'progress', files: 0, filesTotal: 2, bytes: 500, bytesTotal: 1000 });
    json.close();
  });

  test('bar | on a TTY a bar is drawn, and stop() ends it', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    stream.on('data', (chunk: Buffer) => { drawn += chunk.toString(); });
    const { logger } = await fileLogger('info', 'text');
    const progress = await createProgress('auto', 100, logger, stream);
    progress.addTotals(3, 4 * MiB);
    progress.addBytes(1 * MiB, true);
    await eventually(() => drawn.includes('%'));
    progress.stop();
    expect(drawn).toMatch(/\d+% \| 1\.0 MiB of 4\.0 MiB \| 0\/3 files/);
  });

  test('summary | one final line with bytes, seconds and MB/s; json fields; nothing when quiet', async () => {
    const provider = new MemoryProvider().put('m/a.bin', bytes(300 * KiB, 1)).put('m/b.bin', bytes(10 * KiB, 2));
    const text = await fileLogger('info', 'text');
    await runTransfers([makeJob(provider, 'mem://b/m', await tempDir())], testOptions(), silentContext({ logger: text.logger }));
    expect(text.text()).toMatch(/^downloaded 2 files, 310\.0 KiB fetched of 310\.0 KiB, in [\d.]+ s \([\d.]+ MB\/s\) to \S+$/m);
    text.close();

    const json = await fileLogger('info', 'json');
    const dest = await tempDir();
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext({ logger: json.logger }));
    await runTransfers([makeJob(provider, 'mem://b/m', dest)], testOptions(), silentContext({ logger: json.logger }));
    const lines = json.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'download complete')).toMatchObject({ files: 2, bytes: 310 * KiB, bytesFetched: 310 * KiB, upToDate: false });
    expect(lines.find((l) => l.msg === 'up to date')).toMatchObject({ files: 2, bytesFetched: 0, upToDate: true });
    json.close();

    const quiet = await fileLogger('warn', 'text');
    await runTransfers([makeJob(provider, 'mem://b/m', await tempDir())], testOptions({ progress: 'log', progressIntervalMs: 100 }),
      silentContext({ logger: quiet.logger }));
    expect(quiet.text()).toBe('');
    quiet.close();
  });
});
