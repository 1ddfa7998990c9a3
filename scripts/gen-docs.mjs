#!/usr/bin/env node
// Regenerates the tables in docs/ that mirror code (error classes, settings) from the built core.
// `node scripts/gen-docs.mjs --check` fails when the committed docs differ: a test runs it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { ERROR_CLASSES } = await import(`${root}packages/core/dist/errors.js`);
const { SETTINGS } = await import(`${root}packages/core/dist/config/settings.js`);

function errorsTable() {
  const rows = ERROR_CLASSES.map((c) => `| \`${c.code}\` | ${c.exitCode} | ${c.help || '(the message says what to do)'} |`);
  return ['| code | exit status | what to do |', '| --- | --- | --- |', ...rows].join('\n');
}

function settingsTable() {
  const show = (v) => (v === undefined ? '' : typeof v === 'object' ? `\`${JSON.stringify(v)}\`` : `\`${v}\``);
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | ${s.env ? `\`${s.env}\`` : ''} | ${s.flag ? `\`--${s.flag}\`` : ''} | ${show(s.default)} | ${s.description} |`);
  return ['| config file key | environment | flag | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

const check = process.argv.includes('--check');
let stale = false;
for (const [file, marker, table] of [
  ['docs/errors.md', 'errors', errorsTable()],
  ['docs/configuration.md', 'settings', settingsTable()],
]) {
  const path = `${root}${file}`;
  const text = readFileSync(path, 'utf8');
  const begin = `<!-- generated:${marker} -->`;
  const end = `<!-- /generated:${marker} -->`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < 0) throw new Error(`${file} lacks the ${begin} … ${end} markers`);
  const updated = `${text.slice(0, start + begin.length)}\n${table}\n${text.slice(stop)}`;
  if (updated === text) continue;
  stale = true;
  if (check) console.error(`${file} is out of date: run node scripts/gen-docs.mjs`);
  else writeFileSync(path, updated);
}
process.exit(check && stale ? 1 : 0);
