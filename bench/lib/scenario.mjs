// Runs one scenario: every entry (a tool on a file) once per round, in an order that rotates each
// round, so load from anything else on the machine falls on every tool alike. Each run writes into a
// fresh folder that is deleted afterwards; the first good run of each entry is checked by sha256.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from './fixtures.mjs';
import { cleanEnv, run } from './proc.mjs';
import { rotate } from './stats.mjs';

/** The lines that say why a tool failed: its last ones, without a stack trace or Node's version banner. */
function lastWords(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l) && !/^Node\.js v/.test(l));
  return lines.slice(-2).join(' | ').slice(0, 300);
}

/** A tool run bounded by this much time: a minute plus 16 MiB/s (curl on the capped file needs 64 MiB/s). */
export function timeoutFor(size) {
  return 60_000 + Math.ceil(size / (16 * 2 ** 20)) * 1000;
}

/**
 * Flushes the tool's output to disk and times it. No tool flushes its data itself (mr-init relies on
 * the kernel's boot id for crash safety); `sync -d` gives every tool the
 * same end point ("the bytes are on disk"), and leaves no dirty pages to slow down the next run.
 */
async function syncFile(path, size) {
  const r = await run('sync', ['-d', path], { timeoutMs: timeoutFor(size), label: 'sync' });
  return r.code === 0 ? r.wallS : undefined;
}

/**
 * One measured run of a tool into `dir`, made fresh and removed afterwards. `command` is what the tool's
 * `command()` returned ({ cmd, args, env }). After a clean exit `check(record)` decides `ok` (and may
 * set `error`, `syncS`); a failed exit records why, in the tool's last words. Resolves the record
 * { round, ok, wallS, rssMiB, cpuS, syncS?, error? }.
 */
export async function measuredRun({ dir, command, round, timeoutMs, statsFile, label, check }) {
  const record = { round, ok: false };
  try {
    const r = await run(command.cmd, command.args, { timeoutMs, env: cleanEnv(command.env), measure: true, statsFile, label });
    Object.assign(record, { wallS: r.wallS, rssMiB: r.rssMiB, cpuS: r.cpuS });
    if (r.code !== 0) {
      const why = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
      record.error = `${why}: ${lastWords(r.stderr || r.stdout)}`;
    } else {
      await check(record);
    }
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return record;
}

/** A fresh, empty folder for one run. */
export async function freshDir(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * `entries`: [{ key, tool, url, name, size, sha256 }]. Resolves the same entries with `runs`
 * ([{ round, ok, wallS, syncS, rssMiB, cpuS, error }]) and `verified` ('ok' | 'mismatch' | 'not checked').
 */
export async function runScenario({ id, entries, rounds, outRoot, log, shouldStop }) {
  const results = entries.map((e) => ({ ...e, runs: [], verified: 'not checked' }));
  for (let round = 0; round < rounds; round++) {
    for (const entry of rotate(results, round)) {
      if (shouldStop()) return results;
      const dir = await freshDir(join(outRoot, `${id}-${entry.key}-r${round + 1}`));
      const command = entry.tool.command({ url: entry.url, dir, name: entry.name });
      const record = await measuredRun({
        dir, command, round: round + 1, timeoutMs: timeoutFor(entry.size), statsFile: join(outRoot, `${entry.key}.time`), label: entry.tool.label,
        async check(rec) {
          const size = (await stat(command.output).catch(() => undefined))?.size;
          if (size !== entry.size) {
            rec.error = `wrote ${size ?? 'no'} bytes, expected ${entry.size}`;
            return;
          }
          rec.syncS = await syncFile(command.output, entry.size);
          if (entry.verified === 'not checked' && !shouldStop()) entry.verified = (await sha256File(command.output)) === entry.sha256 ? 'ok' : 'mismatch';
          rec.ok = entry.verified !== 'mismatch';
          if (!rec.ok) rec.error = 'sha256 differs from the fixture';
        },
      });
      entry.runs.push(record);
      const rss = Number.isFinite(record.rssMiB) ? `, peak RSS ${record.rssMiB.toFixed(0)} MiB` : '';
      const sync = Number.isFinite(record.syncS) ? ` (+${record.syncS.toFixed(2)} s to disk)` : '';
      log(`  [${id} r${round + 1}] ${entry.label.padEnd(28)} ${record.ok ? `${record.wallS.toFixed(2)} s${sync}${rss}` : `FAILED: ${record.error}`}`);
    }
  }
  return results;
}

/** `node -e 0` against `mr-init --version`, interleaved `runs` times: the start-up cost of the CLI. */
export async function runStartup({ cli, runs, outRoot, log, shouldStop }) {
  const entries = [
    { key: 'node', label: '`node -e 0`', cmd: process.execPath, args: ['-e', '0'], times: [], rss: [] },
    { key: 'version', label: '`mr-init --version`', cmd: process.execPath, args: [cli, '--version'], times: [], rss: [] },
  ];
  for (let i = 0; i < runs; i++) {
    for (const e of rotate(entries, i)) {
      if (shouldStop()) return entries;
      const r = await run(e.cmd, e.args, { timeoutMs: 60_000, label: e.key, measure: true, statsFile: join(outRoot, 'startup.time') });
      if (r.code === 0) {
        e.times.push(r.wallS);
        e.rss.push(r.rssMiB);
      } else log(`  [startup] ${e.label} failed: exit ${r.code}`);
    }
  }
  return entries;
}
