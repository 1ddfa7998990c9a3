/** The official provider package for each well-known scheme, to tell users what to install. */
const OFFICIAL: Record<string, string> = {
  s3: '@mr-init/provider-s3',
  s3a: '@mr-init/provider-s3',
  gs: '@mr-init/provider-gcs',
  wasbs: '@mr-init/provider-azure',
  wasb: '@mr-init/provider-azure',
  abfs: '@mr-init/provider-azure',
  abfss: '@mr-init/provider-azure',
  hdfs: '@mr-init/provider-hdfs',
  webhdfs: '@mr-init/provider-hdfs',
  http: '@mr-init/provider-http',
  https: '@mr-init/provider-http',
};

export function officialPackageFor(scheme: string): string | undefined {
  return OFFICIAL[scheme.toLowerCase()];
}
