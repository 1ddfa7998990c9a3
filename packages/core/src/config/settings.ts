/**
 * Every mr-init setting in one table: its config-file key, environment variable, flag, parser and
 * default. docs/configuration.md mirrors this table (a test keeps them in step). Precedence is
 * flags > environment > config file > defaults; credentials are not here: they stay in the
 * environment KServe already injects and each provider reads its own variables.
 */
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../output/logger.js';
import type { TransferOptions } from '../transfer/options.js';
import { boolean, bytes, durationMs, integer, jsonObject, oneOf, patternList, text, type Parser } from './parse.js';

export const PROGRESS_MODES = ['auto', 'bar', 'log', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** The transfer tunables the engine takes, as settings (the engine's own retry-delay knobs stay internal). */
type TransferSettings = Omit<TransferOptions, 'retryMinDelayMs' | 'retryMaxDelayMs'>;

export interface Settings extends TransferSettings {
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Where the one-line failure reason is written (when the file exists, or when set explicitly). */
  terminationLog: string;
  /** Scheme → provider package, to break ties between installed providers. */
  providers: Record<string, string>;
  /** Backend settings handed to providers (config file `storage`, then STORAGE_CONFIG, then STORAGE_OVERRIDE_CONFIG). */
  storage: Record<string, unknown>;
  /** Registry settings from the config file; the registry client lays the environment over them. */
  registry: Record<string, unknown>;
}

export type SettingName = keyof Settings;

export interface SettingDefinition {
  name: SettingName;
  /** Dotted key in the config file. */
  key: string;
  env?: string;
  flag?: string;
  parse: Parser<unknown>;
  default?: unknown;
  description: string;
}

const MiB = 1024 ** 2;

export const SETTINGS: readonly SettingDefinition[] = [
  { name: 'logLevel', key: 'log.level', env: 'MR_INIT_LOG_LEVEL', flag: 'log-level', parse: oneOf(LOG_LEVELS), default: 'info', description: 'How much to log: debug, info, warn, error or silent.' },
  { name: 'logFormat', key: 'log.format', env: 'MR_INIT_LOG_FORMAT', flag: 'log-format', parse: oneOf(LOG_FORMATS), default: 'text', description: 'Log lines as text or as JSON objects (one per line).' },
  { name: 'connections', key: 'transfer.connections', env: 'MR_INIT_CONNECTIONS', flag: 'connections', parse: integer(1, 256), default: 16, description: 'Parallel connections across every file and part of one run (all SRC DEST pairs share them).' },
  { name: 'partSize', key: 'transfer.partSize', env: 'MR_INIT_PART_SIZE', flag: 'part-size', parse: bytes(256 * 1024, 1024 * MiB), default: 8 * MiB, description: 'Size of each ranged part of a large file.' },
  { name: 'memoryBudget', key: 'transfer.memoryBudget', env: 'MR_INIT_MEMORY_BUDGET', flag: 'memory-budget', parse: bytes(4 * MiB, 4096 * MiB), default: 64 * MiB, description: 'Body bytes held in memory at most, across all connections.' },
  { name: 'retries', key: 'transfer.retries', env: 'MR_INIT_RETRIES', flag: 'retries', parse: integer(0, 100), default: 5, description: 'Retries per part after a retryable failure (timeouts, resets, 429, 5xx), resuming from the bytes already written.' },
  { name: 'stallTimeoutMs', key: 'transfer.stallTimeout', env: 'MR_INIT_STALL_TIMEOUT', flag: 'stall-timeout', parse: durationMs(1000, 3_600_000), default: 30_000, description: 'A connection that receives no byte for this long is dropped and the part retried (seconds, or 30s, 2m).' },
  { name: 'allowPatterns', key: 'transfer.allowPatterns', env: 'STORAGE_ALLOW_PATTERNS', flag: 'allow', parse: patternList, description: 'Fetch only paths matching one of these fnmatch patterns (JSON array or comma list), as KServe.' },
  { name: 'ignorePatterns', key: 'transfer.ignorePatterns', env: 'STORAGE_IGNORE_PATTERNS', flag: 'ignore', parse: patternList, description: 'Skip paths matching one of these fnmatch patterns (JSON array or comma list), as KServe.' },
  { name: 'unpack', key: 'transfer.unpack', env: 'MR_INIT_UNPACK', flag: 'unpack', parse: boolean, default: true, description: 'Unpack a single downloaded .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz or .zip into DEST, as KServe does.' },
  { name: 'progress', key: 'progress.mode', env: 'MR_INIT_PROGRESS', flag: 'progress', parse: oneOf(PROGRESS_MODES), default: 'auto', description: 'Progress display: a bar on a terminal and log lines otherwise (auto), or bar, log, none.' },
  { name: 'progressIntervalMs', key: 'progress.interval', env: 'MR_INIT_PROGRESS_INTERVAL', parse: durationMs(500, 600_000), default: 5000, description: 'Time between progress log lines when not on a terminal.' },
  { name: 'terminationLog', key: 'terminationLog', env: 'MR_INIT_TERMINATION_LOG', flag: 'termination-log', parse: text, default: '/dev/termination-log', description: 'File the one-line failure reason is written to (Kubernetes shows it in `kubectl describe pod`); the default is used only when it exists.' },
  { name: 'providers', key: 'providers', parse: stringMap, default: {}, description: 'Scheme → provider package, to choose between two installed providers that claim the same URIs, e.g. {"https": "@acme/mr-init-provider-https"}.' },
  { name: 'storage', key: 'storage', env: 'STORAGE_CONFIG', parse: jsonObject, default: {}, description: 'Backend settings as KServe\'s STORAGE_CONFIG JSON (`type` plus the backend\'s keys); STORAGE_OVERRIDE_CONFIG is laid over it key by key.' },
  { name: 'registry', key: 'registry', parse: jsonObject, default: {}, description: 'Model Registry settings (baseUrl, scheme, serviceName, clusterDomain, tokenFile, caFile, tlsVerify, timeoutMs, retries); the MODEL_REGISTRY_* variables win over them.' },
];

function stringMap(raw: unknown): Record<string, string> {
  const value = jsonObject(raw);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' || v === '') throw new Error(`entry "${k}" must name a package`);
  }
  return value as Record<string, string>;
}

/** Top-level keys a config file may hold. */
export const FILE_SECTIONS = new Set(SETTINGS.map((s) => s.key.split('.')[0]!));
