import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { downloadPairs, toPairs } from '../cli/download.js';
import { ErrInterrupted, ErrUsage } from '../errors.js';

export default class Download extends BaseCommand {
  static override summary = 'Download models into folders, as KServe\'s storage initializer does.';
  static override description = `Takes one or more SRC DEST pairs (KServe passes them this way). SRC is a model-registry:// reference, resolved through the Kubeflow Model Registry to its model artifact's storage URI, or a storage URI handled by an installed provider (s3://, gs://, https://, hdfs://, Azure Blob, ...). Files land in DEST with KServe's layout; a single archive is unpacked.

Downloads are parallel, ranged, retried and resumed, verified against the storage's checksums, and atomic: DEST only ever holds a complete, verified model. Running it again on a complete DEST does nothing.

model-registry://[host[:port]/]model[/version][?namespace=ns]
  Without a version, the newest LIVE version is used. Without a host, MODEL_REGISTRY_BASE_URL (default localhost:8080); with ?namespace=ns, <MODEL_REGISTRY_SERVICE_NAME>.<ns>.<MODEL_REGISTRY_CLUSTER_DOMAIN>.

Environment (see docs/configuration.md for all):
  MODEL_REGISTRY_BASE_URL, MODEL_REGISTRY_SCHEME, MODEL_REGISTRY_TOKEN(_FILE), MODEL_REGISTRY_CA_FILE
  STORAGE_ALLOW_PATTERNS, STORAGE_IGNORE_PATTERNS, STORAGE_CONFIG, STORAGE_OVERRIDE_CONFIG
  each provider's credentials, with KServe's names (AWS_*, S3_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_*, HDFS_SECRET_DIR, <host>-headers)
  MR_INIT_CONNECTIONS, MR_INIT_PART_SIZE, MR_INIT_RETRIES, MR_INIT_STALL_TIMEOUT, MR_INIT_LOG_LEVEL, MR_INIT_LOG_FORMAT

Exit status: 0 on success; each error class has its own status (docs/errors.md). The last stderr line is the reason.`;

  static override usage = ['download SRC DEST [SRC DEST ...]'];
  static override examples = [
    { description: 'The latest LIVE version of "iris" from the registry at localhost:8080', command: '<%= config.bin %> download model-registry://iris /mnt/models' },
    { description: 'A named version from a registry in another namespace', command: '<%= config.bin %> download "model-registry://iris/v1?namespace=ml" /mnt/models' },
    { description: 'A registry given in the URI', command: '<%= config.bin %> download model-registry://registry.example.com:8080/iris/v1 /mnt/models' },
    { description: 'Straight from S3, only the safetensors weights', command: 'STORAGE_ALLOW_PATTERNS=\'["*.safetensors","*.json"]\' <%= config.bin %> download s3://models/llama /mnt/models' },
    { description: 'Two models at once (KServe multi-model form), sharing the connection budget', command: '<%= config.bin %> download gs://b/a /mnt/models/a https://host/b.onnx /mnt/models/b' },
  ];

  static override strict = false;

  static override flags = {
    connections: Flags.string({ summary: 'Parallel connections, across all files and pairs. [env: MR_INIT_CONNECTIONS] [default: 16]' }),
    'part-size': Flags.string({ summary: 'Ranged part size, e.g. 8MiB. [env: MR_INIT_PART_SIZE] [default: 8MiB]' }),
    'memory-budget': Flags.string({ summary: 'Body bytes buffered in memory at most. [env: MR_INIT_MEMORY_BUDGET] [default: 64MiB]' }),
    retries: Flags.string({ summary: 'Retries per part on transient failures. [env: MR_INIT_RETRIES] [default: 5]' }),
    'stall-timeout': Flags.string({ summary: 'Retry a connection silent for this long, e.g. 30s. [env: MR_INIT_STALL_TIMEOUT] [default: 30s]' }),
    allow: Flags.string({ summary: 'Only fetch paths matching these fnmatch patterns (comma list or JSON array). [env: STORAGE_ALLOW_PATTERNS]' }),
    ignore: Flags.string({ summary: 'Skip paths matching these fnmatch patterns (comma list or JSON array). [env: STORAGE_IGNORE_PATTERNS]' }),
    unpack: Flags.boolean({ allowNo: true, summary: 'Unpack a single downloaded archive. [env: MR_INIT_UNPACK] [default: true]' }),
    progress: Flags.string({ options: ['auto', 'bar', 'log', 'none'], summary: 'Progress display. [env: MR_INIT_PROGRESS] [default: auto]' }),
    quiet: Flags.boolean({ char: 'q', summary: 'Only warnings and errors; no progress.' }),
    'termination-log': Flags.string({ summary: 'Write the failure reason to this file. [env: MR_INIT_TERMINATION_LOG] [default: /dev/termination-log when it exists]' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Download);
    const pairs = toPairs(argv as string[]);
    if (!pairs) {
      throw new ErrUsage(`expected SRC DEST pairs, got ${argv.length} argument${argv.length === 1 ? '' : 's'}`,
        { hint: 'Usage: mr-init download SRC DEST [SRC DEST ...]; see mr-init download --help.' });
    }
    const settings = await this.loadSettings({
      ...flags,
      ...(flags.quiet ? { 'log-level': flags['log-level'] ?? 'warn', progress: flags.progress ?? 'none' } : {}),
    });
    const controller = new AbortController();
    const stop = (signal: NodeJS.Signals) => controller.abort(new ErrInterrupted(`stopped by ${signal}; what was fetched is kept in DEST's staging folder`));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await downloadPairs(pairs, settings, this.providers(), this.logger, process.env, controller.signal);
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  }
}
