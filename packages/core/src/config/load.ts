/**
 * Builds Settings once at start: flags > environment > config file > defaults, each value validated,
 * and a bad one reported as ErrConfig naming the key and where it came from.
 */
import { ErrConfig } from '../errors.js';
import { SETTINGS, FILE_SECTIONS, type Settings, type SettingDefinition } from './settings.js';
import { jsonObject } from './parse.js';

export interface SettingsInput {
  /** Flag values by flag name; undefined means not given. */
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** The parsed config file and its path, if one was found. */
  file?: { config: Record<string, unknown>; path: string };
}

/** Where each setting's value came from, for messages and `--log-level debug`. */
export type SettingSources = Partial<Record<keyof Settings, string>>;

export function resolveSettings(input: SettingsInput): { settings: Settings; sources: SettingSources } {
  const env = input.env ?? {};
  const flags = input.flags ?? {};
  const file = input.file;
  if (file) checkFileKeys(file.config, file.path);
  const values: Record<string, unknown> = {};
  const sources: SettingSources = {};
  for (const def of SETTINGS) {
    const found = pick(def, flags, env, file);
    if (found === undefined) {
      if (def.default !== undefined) values[def.name] = def.default;
      continue;
    }
    values[def.name] = parseValue(def, found.raw, found.source);
    sources[def.name] = found.source;
  }
  const override = env.STORAGE_OVERRIDE_CONFIG;
  if (override !== undefined && override.trim() !== '') {
    const storageDef = SETTINGS.find((s) => s.name === 'storage')!;
    values.storage = { ...(values.storage as object), ...(parseValue(storageDef, override, 'STORAGE_OVERRIDE_CONFIG') as object) };
  }
  return { settings: values as unknown as Settings, sources };
}

function pick(def: SettingDefinition, flags: Record<string, unknown>, env: Record<string, string | undefined>,
  file: SettingsInput['file']): { raw: unknown; source: string } | undefined {
  if (def.flag && flags[def.flag] !== undefined) return { raw: flags[def.flag], source: `flag --${def.flag}` };
  if (def.env && env[def.env] !== undefined && env[def.env] !== '') return { raw: env[def.env], source: `env ${def.env}` };
  if (file) {
    const raw = getPath(file.config, def.key);
    if (raw !== undefined) return { raw, source: `${def.key} in ${file.path}` };
  }
  return undefined;
}

function parseValue(def: SettingDefinition, raw: unknown, source: string): unknown {
  try {
    return def.parse(raw);
  } catch (error) {
    // Storage and registry sections may hold credentials: never echo their values.
    const shown = def.name === 'storage' || def.name === 'registry' ? '' : ` (got ${JSON.stringify(raw)})`;
    throw new ErrConfig(`${def.key} ${(error as Error).message}${shown}, from ${source}`);
  }
}

function getPath(object: Record<string, unknown>, key: string): unknown {
  let value: unknown = object;
  for (const part of key.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function checkFileKeys(config: Record<string, unknown>, path: string): void {
  try {
    jsonObject(config);
  } catch {
    throw new ErrConfig(`the config file ${path} must hold an object`);
  }
  for (const key of Object.keys(config)) {
    if (!FILE_SECTIONS.has(key)) {
      throw new ErrConfig(`unknown key "${key}" in ${path}; known keys: ${[...FILE_SECTIONS].join(', ')}`);
    }
  }
  for (const def of SETTINGS.filter((s) => s.key.includes('.'))) {
    const [section] = def.key.split('.');
    const value = config[section!];
    if (value !== undefined && (typeof value !== 'object' || value === null)) {
      throw new ErrConfig(`"${section}" in ${path} must be an object`);
    }
  }
  for (const section of new Set(SETTINGS.filter((s) => s.key.includes('.')).map((s) => s.key.split('.')[0]!))) {
    const value = config[section] as Record<string, unknown> | undefined;
    if (!value) continue;
    const known = SETTINGS.filter((s) => s.key.startsWith(`${section}.`)).map((s) => s.key.split('.')[1]!);
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw new ErrConfig(`unknown key "${section}.${key}" in ${path}; known: ${known.join(', ')}`);
    }
  }
}
