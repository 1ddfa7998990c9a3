/**
 * The CLI's logger: text or JSON lines on stderr, written synchronously so the last line is out before
 * the process exits (an init container's tail is its termination message), every line redacted.
 */
import { writeSync } from 'node:fs';
import type { Logger } from '../providers/contract.js';
import { Redactor } from './redact.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface CliLoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  redactor?: Redactor;
  /** File descriptor to write to. @default 2 (stderr) */
  fd?: number;
}

export class CliLogger implements Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly redactor: Redactor;
  private readonly fd: number;

  constructor(options: CliLoggerOptions = {}) {
    this.level = options.level ?? 'info';
    this.format = options.format ?? 'text';
    this.redactor = options.redactor ?? new Redactor();
    this.fd = options.fd ?? 2;
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level);
  }

  debug(message: string, fields?: Record<string, unknown>): void { this.write('debug', message, fields); }
  info(message: string, fields?: Record<string, unknown>): void { this.write('info', message, fields); }
  warn(message: string, fields?: Record<string, unknown>): void { this.write('warn', message, fields); }
  error(message: string, fields?: Record<string, unknown>): void { this.write('error', message, fields); }

  /** Writes one line whatever the level (the final error line must always reach the log). */
  line(text: string): void {
    this.emit(this.redactor.redact(text) + '\n');
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    let text: string;
    if (this.format === 'json') {
      text = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
    } else {
      const extra = fields && Object.keys(fields).length > 0
        ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
        : '';
      text = `${level === 'info' ? '' : level.toUpperCase() + ' '}${message}${extra}`;
    }
    this.emit(this.redactor.redact(text) + '\n');
  }

  private emit(text: string): void {
    try {
      writeSync(this.fd, text);
    } catch {
      // stderr closed: nothing more we can say
    }
  }
}
