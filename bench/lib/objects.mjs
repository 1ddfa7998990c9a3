// Shared by the object-store benches (s3.mjs, gcs.mjs): fixture sets of many files, verifying a
// downloaded folder against them, interleaved rounds of whole-prefix downloads, and the markdown table.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { makeFixture, sha256File } from './fixtures.mjs';
import { run } from './proc.mjs';
import { freshDir, measuredRun } from './scenario.mjs';
import { fmt, median, MiB, ratio, rotate, sizeLabel } from './stats.mjs';

/** `count` files of `size` bytes under `dir/<id>/`: resolves { id, dir, count, size, total, files: Map name → sha256 }. */
export async function makeSet(root, id, count, size) {
  const dir = join(root, id);
  await mkdir(dir, { recursive: true });
  const files = new Map();
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) {
    const name = `${id}-${String(i).padStart(width, '0')}.bin`;
    files.set(name, await makeFixture(join(dir, name), size));
  }
  return { id, dir, count, size, total: count * size, files };
}

/** Every regular file under `dir` (any depth), skipping fixture sidecars. */
async function walk(dir, out = []) {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && !e.name.endsWith('.sha256')) out.push(p);
  }
  return out;
}

/** Checks count + sizes every time; sha256 of every file when `hash`. Resolves an error text or undefined. */
export async function verifyDir(dir, set, hash) {
  const found = await walk(dir);
  const mine = found.filter((p) => set.files.has(basename(p)));
  if (mine.length !== set.count) return `found ${mine.length} of ${set.count} files (${found.length} files in all)`;
  for (const p of mine) {
    const { size } = await stat(p);
    if (size !== set.size) return `${basename(p)}: ${size} bytes, expected ${set.size}`;
    if (hash && (await sha256File(p)) !== set.files.get(basename(p))) return `${basename(p)}: sha256 differs`;
  }
  return undefined;
}

/** A run is bounded by a minute plus 8 MiB/s of data (object servers here are slower than nginx). */
export function timeoutForSet(set) {
  return 60_000 + Math.ceil(set.total / (8 * MiB)) * 1000 + set.count * 200;
}

/**
 * Runs every tool on `set` once per round, in an order rotating each round. `tool.command({ dir })`
 * → { cmd, args, env }. Each run writes into a fresh folder, removed afterwards; the first good run of
 * each tool is checked by sha256, the others by count and size. Resolves [{ tool, runs, verified }].
 */
export async function runSetScenario({ set, tools, rounds, outRoot, log, shouldStop = () => false }) {
  const results = tools.map((tool) => ({ tool, runs: [], verified: 'not checked' }));
  for (let round = 0; round < rounds; round++) {
    for (const entry of rotate(results, round)) {
      if (shouldStop()) return results;
      const dir = await freshDir(join(outRoot, `${set.id}-${entry.tool.id}-r${round + 1}`));
      const record = await measuredRun({
        dir, command: entry.tool.command({ dir }), round: round + 1, timeoutMs: timeoutForSet(set),
        statsFile: join(outRoot, `${entry.tool.id}.time`), label: entry.tool.label,
        async check(rec) {
          // `sync -f` flushes the output's file system: every tool ends at "the bytes are on disk".
          const s = await run('sync', ['-f', dir], { timeoutMs: timeoutForSet(set), label: 'sync' });
          rec.syncS = s.code === 0 ? s.wallS : undefined;
          const hash = entry.verified === 'not checked';
          const error = await verifyDir(dir, set, hash);
          if (error) rec.error = error;
          if (hash) entry.verified = error ? 'mismatch' : 'ok';
          rec.ok = !error;
        },
      });
      entry.runs.push(record);
      const rss = Number.isFinite(record.rssMiB) ? `, peak RSS ${record.rssMiB.toFixed(0)} MiB` : '';
      log(`  [${set.id} r${round + 1}] ${entry.tool.label.padEnd(22)} ${record.ok ? `${record.wallS.toFixed(2)} s (+${fmt(record.syncS)} s sync)${rss}` : `FAILED: ${record.error}`}`);
    }
  }
  return results;
}

/** Medians of the good runs of one tool. */
export function summarizeRuns(entry) {
  const good = entry.runs.filter((r) => r.ok);
  return {
    n: good.length,
    failed: entry.runs.length - good.length,
    wallS: median(good.map((r) => r.wallS)),
    diskS: median(good.map((r) => r.wallS + (r.syncS ?? 0))),
    rssMiB: Math.max(...good.map((r) => r.rssMiB ?? NaN).filter(Number.isFinite), -Infinity),
    rssMedMiB: median(good.map((r) => r.rssMiB)),
    cpuS: median(good.map((r) => r.cpuS)),
  };
}

/** A markdown table for one set; ratios are `baseline`'s median divided by each tool's (higher is faster). */
export function setTable(set, results, baselineId) {
  const sums = results.map((e) => ({ e, s: summarizeRuns(e) }));
  const base = sums.find((x) => x.e.tool.id === baselineId)?.s;
  const lines = [
    `### ${set.count} × ${set.size >= MiB ? sizeLabel(set.size) : `${set.size / 1024} KiB`} (${sizeLabel(set.total)} in all)`,
    '',
    `| tool | good runs | median s | MiB/s | ${baselineId ? `× ${baselineId} | ` : ''}to disk s | ${baselineId ? `× ${baselineId} to disk | ` : ''}peak RSS MiB (max / median) | CPU s | sha256 |`,
    `| --- | --- | --- | --- | ${baselineId ? '--- | ' : ''}--- | ${baselineId ? '--- | ' : ''}--- | --- | --- |`,
  ];
  for (const { e, s } of sums) {
    const mibs = Number.isFinite(s.wallS) ? set.total / MiB / s.wallS : undefined;
    const cols = [
      e.tool.label, `${s.n}/${e.runs.length}`, fmt(s.wallS), fmt(mibs, 0),
      ...(baselineId ? [ratio(base?.wallS / s.wallS)] : []),
      fmt(s.diskS),
      ...(baselineId ? [ratio(base?.diskS / s.diskS)] : []),
      Number.isFinite(s.rssMiB) ? `${fmt(s.rssMiB, 0)} / ${fmt(s.rssMedMiB, 0)}` : '—', fmt(s.cpuS, 1),
      e.verified === 'ok' ? '✓' : e.verified === 'mismatch' ? '✗' : '—',
    ];
    lines.push(`| ${cols.join(' | ')} |`);
  }
  const errors = results.flatMap((e) => e.runs.filter((r) => !r.ok).map((r) => `- ${e.tool.label} round ${r.round}: ${r.error}`));
  if (errors.length) lines.push('', 'Failures:', '', ...errors);
  return { text: lines.join('\n'), sums };
}
