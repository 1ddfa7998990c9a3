import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { describeSource, printDescription } from '../cli/describe.js';

export default class Resolve extends BaseCommand {
  static override summary = 'Show what a download would fetch, without fetching it.';
  static override description = `Resolves SRC as download would: a model-registry:// reference through the Model Registry (registry URL called, model, version, artifact and its storage URI), then the provider package chosen for the storage URI. With --list, also lists the files that would be fetched (after STORAGE_ALLOW_PATTERNS / STORAGE_IGNORE_PATTERNS) and their sizes. Reads the same environment and config file as download.`;

  static override examples = [
    { description: 'Which version and storage URI "iris" resolves to', command: '<%= config.bin %> resolve model-registry://iris' },
    { description: 'As JSON, with the file list', command: '<%= config.bin %> resolve model-registry://registry:8080/iris/v1 --json --list' },
  ];

  static override args = {
    src: Args.string({ required: true, description: 'model-registry:// reference or storage URI' }),
  };

  static override flags = {
    json: Flags.boolean({ summary: 'Print one JSON object instead of text.' }),
    list: Flags.boolean({ char: 'l', summary: 'Also list the files that would be fetched, with sizes.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Resolve);
    const settings = await this.loadSettings(flags);
    const description = await describeSource(args.src, settings, this.providers(), this.logger, process.env, flags.list);
    printDescription(description, flags.json);
  }
}
