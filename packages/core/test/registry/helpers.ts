/** Shared bits of the registry client tests: options pointing at a test registry, a recording logger. */
import type { Logger } from '../../src/providers/contract.js';
import { registryOptionsFromEnv, type RegistryOptions } from '../../src/registry/options.js';
import { resolveModel } from '../../src/registry/resolve.js';
import type { ResolvedModel } from '../../src/registry/types.js';
import { parseModelRegistryUri } from '../../src/uri/model-registry-uri.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn';
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every line, to assert on warnings and on the absence of secrets. */
export class MemoryLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, fields?: Record<string, unknown>): void { this.push('debug', message, fields); }
  info(message: string, fields?: Record<string, unknown>): void { this.push('info', message, fields); }
  warn(message: string, fields?: Record<string, unknown>): void { this.push('warn', message, fields); }
  /** Every line as text, fields included. */
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n');
  }
  private push(level: LogLine['level'], message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  }
}

/** Options for a registry at `url` (http://127.0.0.1:PORT), with quick retries. */
export function optionsFor(url: string, extra: Partial<RegistryOptions> = {}): RegistryOptions {
  return { ...registryOptionsFromEnv({ MODEL_REGISTRY_BASE_URL: url, MODEL_REGISTRY_RETRIES: '1' }), ...extra };
}

/** Resolves a URI string. */
export function resolveUri(uri: string, opts: RegistryOptions, logger?: Logger): Promise<ResolvedModel> {
  return resolveModel(parseModelRegistryUri(uri), opts, logger);
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string; toLine(): string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; hint?: string; toLine(): string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
