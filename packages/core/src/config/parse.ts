/** Parsers for setting values. Each returns the parsed value or throws a plain message the loader turns into ErrConfig. */
import { parsePatterns } from '../transfer/fnmatch.js';

const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3,
};

/** A setting's parser: takes the raw value (a string from env/flags, any JSON value from the file). */
export type Parser<T> = (raw: unknown) => T;

export class InvalidValue extends Error {}

export function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidValue(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** Sizes like 8388608, "8MiB", "8M", "512 KiB". */
export function bytes(min: number, max: number): Parser<number> {
  return (raw) => {
    const match = typeof raw === 'number' ? [String(raw), String(raw), ''] : /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(raw));
    const unit = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
    const n = match && unit ? Math.round(Number(match[1]) * unit) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new InvalidValue(`must be a size from ${formatBytes(min)} to ${formatBytes(max)} (e.g. 8MiB)`);
    }
    return n;
  };
}

/** Durations in seconds: 30, "30s", "2m", "1500ms"; returned in milliseconds. */
export function durationMs(minMs: number, maxMs: number): Parser<number> {
  const units: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return (raw) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(String(raw));
    const ms = match ? Number(match[1]) * units[(match[2] ?? '').toLowerCase()]! : NaN;
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
      throw new InvalidValue(`must be a duration from ${minMs / 1000}s to ${maxMs / 1000}s (e.g. 30s)`);
    }
    return Math.round(ms);
  };
}

export const boolean: Parser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new InvalidValue('must be true or false');
};

export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    const text = String(raw).trim().toLowerCase();
    if (!(values as readonly string[]).includes(text)) throw new InvalidValue(`must be one of ${values.join(', ')}`);
    return text as T;
  };
}

export const text: Parser<string> = (raw) => {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidValue('must be a non-empty string');
  return raw.trim();
};

/** KServe's pattern lists: a JSON array or a comma list (env, flags), or a YAML/JSON list (config file). */
export const patternList: Parser<string[] | undefined> = (raw) => {
  if (Array.isArray(raw)) {
    if (!raw.every((v) => typeof v === 'string')) throw new InvalidValue('must be a list of strings');
    return raw.length ? (raw as string[]) : undefined;
  }
  return parsePatterns(String(raw));
};

/** A JSON object (STORAGE_CONFIG-style), given as text or already parsed. */
export const jsonObject: Parser<Record<string, unknown>> = (raw) => {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidValue('is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidValue('must be a JSON object');
  return value as Record<string, unknown>;
};

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[i]}`;
}
