/**
 * What every mr-init command shares: logging flags, settings, the redacting logger, provider discovery
 * and the failure contract (one clear last line, a distinct exit status, the termination log).
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { loadSettings, type Settings } from '../config/index.js';
import { CliLogger, LOG_FORMATS, LOG_LEVELS } from '../output/logger.js';
import { Redactor } from '../output/redact.js';
import { discoverProviders } from '../providers/discover.js';
import type { ProviderDescriptor } from '../providers/descriptor.js';
import { toMrInitError, writeTerminationLog } from './failure.js';

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    'log-level': Flags.string({ options: [...LOG_LEVELS], helpGroup: 'GLOBAL', summary: 'How much to log. [env: MR_INIT_LOG_LEVEL] [default: info]' }),
    'log-format': Flags.string({ options: [...LOG_FORMATS], helpGroup: 'GLOBAL', summary: 'Log as text or JSON lines. [env: MR_INIT_LOG_FORMAT] [default: text]' }),
    config: Flags.string({ helpGroup: 'GLOBAL', summary: 'Config file to read instead of searching for .mr-initrc*. [env: MR_INIT_CONFIG]' }),
  };

  protected logger = new CliLogger({ redactor: new Redactor(process.env) });
  protected settings?: Settings;
  private terminationLog = {
    path: process.env.MR_INIT_TERMINATION_LOG || '/dev/termination-log',
    explicit: Boolean(process.env.MR_INIT_TERMINATION_LOG),
  };

  /** Loads settings (flags > env > file > defaults) and sets up the logger from them. */
  protected async loadSettings(flags: Record<string, unknown>): Promise<Settings> {
    const { settings, sources, configPath } = await loadSettings({ flags, env: process.env });
    this.settings = settings;
    this.terminationLog = { path: settings.terminationLog, explicit: sources.terminationLog !== undefined };
    this.logger = new CliLogger({ level: settings.logLevel, format: settings.logFormat, redactor: this.logger.redactor });
    if (configPath) this.logger.debug(`settings: config file ${configPath}`);
    this.logger.debug('settings', { sources });
    return settings;
  }

  /** Installed provider packages, read from the plugin list oclif built at start-up. */
  protected providers(): ProviderDescriptor[] {
    return discoverProviders(this.config.getPluginsList().map((p) => ({
      name: p.name, version: p.version, root: p.root, pjson: p.pjson as unknown as Record<string, unknown>,
    })), this.logger);
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if ((error as { code?: string }).code === 'EEXIT') throw error;
    const failure = toMrInitError(error);
    if (this.logger.enabled('debug') && failure.stack) this.logger.debug(failure.stack);
    const line = this.logger.redactor.redact(failure.toLine());
    this.logger.line(line);
    writeTerminationLog(line, this.terminationLog.path, this.terminationLog.explicit);
    return this.exit(failure.exitCode);
  }
}
