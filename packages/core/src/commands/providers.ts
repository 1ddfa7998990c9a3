import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { PROVIDER_API_VERSION } from '../providers/contract.js';
import { writeOut } from '../output/stdout.js';

export default class Providers extends BaseCommand {
  static override summary = 'List the installed storage providers and the URIs each handles.';
  static override description = `Providers are plugins (npm packages); mr-init picks one by the URI's scheme and host. Nothing is imported to list them: each declares what it handles in its package.json. Add one with \`mr-init plugins install <package>\` (e.g. \`mr-init plugins install s3\` for @mr-init/provider-s3), or as a dependency beside @mr-init/core.`;

  static override examples = ['<%= config.bin %> providers', '<%= config.bin %> providers --json'];

  static override flags = {
    json: Flags.boolean({ summary: 'Print JSON instead of a table.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Providers);
    const providers = this.providers().map((d) => ({
      package: d.package,
      version: d.version,
      apiVersion: d.manifest.apiVersion,
      compatible: d.manifest.apiVersion === PROVIDER_API_VERSION,
      schemes: d.schemes,
      hosts: d.hosts,
      root: d.root,
    }));
    if (flags.json) {
      writeOut(JSON.stringify({ apiVersion: PROVIDER_API_VERSION, providers }, null, 2));
      return;
    }
    if (providers.length === 0) {
      writeOut('No provider plugins are installed. Install one, e.g. `mr-init plugins install s3`.');
      return;
    }
    const rows = providers.map((p) => [
      p.package, p.version, p.schemes.map((s) => `${s}://`).join(' '),
      hostsText(p.schemes, p.hosts) + (p.compatible ? '' : `  (built for provider API v${p.apiVersion}: not usable)`),
    ]);
    writeOut(table([['PACKAGE', 'VERSION', 'SCHEMES', 'HOSTS'], ...rows]));
  }
}

function hostsText(schemes: string[], hosts: Record<string, string[]>): string {
  const narrowed = schemes.filter((s) => hosts[s]);
  if (narrowed.length === 0) return 'any host';
  return narrowed.map((s) => `${s}: ${hosts[s]!.join(' ')}`).join('; ') + (narrowed.length < schemes.length ? '; others: any host' : '');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
