// The markdown report: targets first, then one table per scenario, start-up, how each tool was run.
import { CURL_PARALLEL_NA } from './tools.mjs';
import { fmt, median, MiB, ratio, sizeLabel } from './stats.mjs';

/** Median figures of one entry's good runs. */
export function summarize(entry) {
  const good = entry.runs.filter((r) => r.ok);
  const wall = median(good.map((r) => r.wallS));
  const disk = median(good.map((r) => (Number.isFinite(r.syncS) ? r.wallS + r.syncS : NaN)));
  return {
    wall,
    disk,
    mibps: wall ? entry.size / MiB / wall : undefined,
    rss: median(good.map((r) => r.rssMiB)),
    cpu: median(good.map((r) => r.cpuS)),
    good: good.length,
    failed: entry.runs.length - good.length,
    errors: [...new Set(entry.runs.filter((r) => !r.ok).map((r) => r.error))],
  };
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function runsCell(entry) {
  return entry.runs.map((r) => (r.ok ? r.wallS.toFixed(2) : '✗')).join(', ');
}

/** One speed scenario: times, MiB/s, ratios to curl (plain and "to disk"), peak RSS, CPU. */
export function speedSection(scenario, goal) {
  const curl = scenario.entries.find((e) => e.tool.id === 'curl');
  const base = curl ? summarize(curl) : undefined;
  const fastest = Math.max(...scenario.entries.map((e) => summarize(e).mibps).filter(Number.isFinite));
  // What the target asks in absolute terms, next to what the best tool managed on this machine.
  const context = goal && base?.wall
    ? ` ${goal}× curl here means ${(scenario.size / MiB / (base.wall / goal)).toFixed(0)} MiB/s (start-up included); the fastest tool reached ${fastest.toFixed(0)} MiB/s.`
    : '';
  const rows = scenario.entries.map((e) => {
    const s = summarize(e);
    return [
      e.label, fmt(s.wall), fmt(s.mibps, 0), ratio(base?.wall / s.wall), fmt(s.disk), ratio(base?.disk / s.disk),
      fmt(s.rss, 0), fmt(s.cpu), runsCell(e), e.verified === 'ok' ? '✓' : e.verified,
    ];
  });
  rows.push(['curl --parallel', 'n/a', '', '', '', '', '', '', '', '']);
  const failures = scenario.entries.flatMap((e) => summarize(e).errors.map((err) => `- ${e.label}: ${err}`));
  return [
    `## ${scenario.title}`,
    '',
    `${sizeLabel(scenario.size)} from \`${scenario.path}\`; ${scenario.rounds} round${scenario.rounds > 1 ? 's' : ''}, interleaved.${context}`,
    '',
    table(['tool', 'median s', 'MiB/s', '× curl', 'to disk s', '× curl to disk', 'peak RSS MiB', 'CPU s', 'runs (s, in round order)', 'sha256'], rows),
    '',
    `curl --parallel: ${CURL_PARALLEL_NA}`,
    ...(failures.length ? ['', 'Failures:', ...failures] : []),
  ].join('\n');
}

export function rssSection(rss) {
  if (!rss) return '';
  const rows = rss.entries.map((e) => {
    const s = summarize(e);
    return [sizeLabel(e.size), fmt(s.rss, 0), e.runs.map((r) => (r.ok ? r.rssMiB.toFixed(0) : '✗')).join(', '),
      fmt(s.wall), fmt(s.mibps, 0), fmt(s.cpu), e.verified === 'ok' ? '✓' : e.verified];
  });
  for (const skip of rss.skipped) rows.push([skip.size, 'skipped', skip.reason, '', '', '', '']);
  return [
    '## Peak RSS of mr-init (defaults, uncapped)',
    '',
    `Peak resident set of the mr-init process (GNU time, ru_maxrss); ${rss.rounds} round${rss.rounds > 1 ? 's' : ''}, interleaved.`,
    '',
    table(['file', 'median peak RSS MiB', 'runs (MiB)', 'median s', 'MiB/s', 'CPU s', 'sha256'], rows),
  ].join('\n');
}

export function startupSection(startup) {
  if (!startup) return '';
  const [node, version] = startup;
  const rows = startup.map((e) => [e.label, fmt(median(e.times)), fmt(median(e.rss), 0), e.times.map((t) => t.toFixed(2)).join(', ')]);
  const overhead = median(version.times) - median(node.times);
  return [
    '## Start-up',
    '',
    `${node.times.length} runs each, interleaved.`,
    '',
    table(['command', 'median s', 'peak RSS MiB', 'runs (s)'], rows),
    '',
    `mr-init's start-up costs ${fmt(overhead)} s over bare Node; it is inside every mr-init time above.`,
  ].join('\n');
}

/** The targets of the issue, each with its measured value and whether it was met. */
export function targets({ uncapped, capped, rss }) {
  const rows = [];
  const speed = (scenario, goal, what) => {
    if (!scenario) return rows.push([what, 'not run', '']);
    const mr = scenario.entries.find((e) => e.tool.id === 'mr-init');
    const curl = scenario.entries.find((e) => e.tool.id === 'curl');
    if (!mr || !curl) return rows.push([what, 'no data', '']);
    const r = summarize(curl).wall / summarize(mr).wall;
    const disk = summarize(curl).disk / summarize(mr).disk;
    rows.push([what, `${ratio(r)} (to disk: ${ratio(disk)})`, Number.isFinite(r) ? (r >= goal ? 'met' : 'missed') : 'no data']);
  };
  speed(uncapped, 1.3, 'mr-init ≥ 1.3× curl, one file uncapped');
  speed(capped, 12, 'mr-init ≥ 12× curl, capped file, 16 connections');
  if (rss) {
    const [small, big] = rss.entries.map((e) => summarize(e).rss);
    const peak = Math.max(...[small, big].filter(Number.isFinite));
    rows.push(['peak RSS ≤ 128 MiB with defaults', rss.entries.map((e) => `${sizeLabel(e.size)}: ${fmt(summarize(e).rss, 0)} MiB`).join(', '),
      Number.isFinite(peak) ? (peak <= 128 ? 'met' : 'missed') : 'no data']);
    const [smallSize, bigSize] = [rss.entries[0]?.size, rss.entries[1]?.size ?? rss.bigSize];
    const what = `${sizeLabel(bigSize)} peak RSS within 10 % of ${sizeLabel(smallSize)}`;
    if (Number.isFinite(small) && Number.isFinite(big)) {
      const delta = (big - small) / small;
      rows.push([what, `${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(1)} %`, Math.abs(delta) <= 0.1 ? 'met' : 'missed']);
    } else {
      rows.push([what, rss.skipped.map((s) => `skipped: ${s.reason}`).join('; ') || 'no data', 'not measured']);
    }
  }
  return ['## Targets', '', table(['target', 'measured (medians)', 'result'], rows)].join('\n');
}

export function report({ title, info, versions, settings, sections, tools, notes }) {
  const kv = (obj) => Object.entries(obj).map(([k, v]) => `- ${k}: ${v}`).join('\n');
  return [
    `# ${title}`,
    '',
    '### Machine',
    kv(info),
    '',
    '### Tools',
    kv(versions),
    '',
    '### Settings',
    kv(settings),
    '',
    ...sections.filter(Boolean).flatMap((s) => [s, '']),
    '## How each tool was run',
    '',
    ...tools.map((t) => `- ${t.label}: ${t.note}`),
    '',
    '## How to read this',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
