/**
 * Builds the S3 clients lazily: the AWS SDK is imported on first use only (`import type` here, `await
 * import()` below), so starting mr-init or choosing another provider never loads it.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Logger } from '@mr-init/core';
import { providerError } from './errors.js';
import { DEBUG_NAMESPACE, redactS3Options, type S3Options } from './options.js';

/** Packages this provider imports at runtime; a test checks them against package.json. */
export const SDK_DEPENDENCIES = ['@aws-sdk/client-s3'] as const;

/** Sockets per agent: the engine runs many ranged parts at once and each needs its own connection. */
export const MAX_SOCKETS = 64;

export type S3Sdk = typeof import('@aws-sdk/client-s3');

/** Two clients over one connection pool: listing retries inside the SDK, reads never do (the engine does). */
export interface S3Clients {
  sdk: S3Sdk;
  /** For ListObjectsV2 / HeadObject: `maxAttempts` = S3_MAX_ATTEMPTS, so a throttled page is retried in place. */
  list: S3Client;
  /** For GetObject: one attempt, so engine retries and SDK retries never multiply. */
  read: S3Client;
  destroy(): void;
}

let sdkPromise: Promise<S3Sdk> | undefined;

/** The AWS SDK module, imported once. */
export function loadSdk(): Promise<S3Sdk> {
  sdkPromise ??= import('@aws-sdk/client-s3');
  return sdkPromise;
}

/** Builds both clients for `options`; throws kind `InvalidConfig` when the CA bundle cannot be read. */
export async function createS3Clients(options: S3Options, logger: Logger): Promise<S3Clients> {
  logger.debug(`${DEBUG_NAMESPACE} client options`, redactS3Options(options));
  const ca = options.caBundle === undefined ? undefined : await readCaBundle(options.caBundle);
  const sdk = await loadSdk();
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  // Node's `ca` replaces the default roots; keep them so a bundle holding only a private CA still reaches AWS.
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    rejectUnauthorized: options.verifySsl,
    ...(ca === undefined ? {} : { ca: [...rootCertificates, ca] }),
  });
  const base = clientConfig(options, { httpAgent, httpsAgent });
  const list = withoutNodeVersionNotice(() => new sdk.S3Client({ ...base, maxAttempts: options.maxAttempts }));
  const read = withoutNodeVersionNotice(() => new sdk.S3Client({ ...base, maxAttempts: 1 }));
  return {
    sdk,
    list,
    read,
    destroy() {
      list.destroy();
      read.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** The SDK configuration for `options` (exported for tests: it is pure). */
export function clientConfig(options: S3Options, agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }): S3ClientConfig {
  const awsEndpoint = options.endpoint !== undefined && /(^|\.)amazonaws\.com(\.cn)?$/i.test(new URL(options.endpoint).hostname);
  const config: S3ClientConfig & { clientConfig?: Record<string, unknown> } = {
    region: options.region,
    endpoint: options.endpoint,
    // Path-style for custom stores (MinIO, Ceph: bucket names are not DNS names there); an AWS endpoint
    // keeps virtual-hosted style so a non-us-east-1 bucket is not answered with PermanentRedirect.
    forcePathStyle: options.endpoint !== undefined && !options.virtualHostedStyle && !awsEndpoint,
    useAccelerateEndpoint: options.accelerate || undefined,
    followRegionRedirects: options.endpoint === undefined || awsEndpoint,
    // The endpoint was resolved from the context already; the SDK must not read AWS_ENDPOINT_URL again.
    ignoreConfiguredEndpointUrls: true,
    // The engine verifies checksums with native MD5; the SDK's JS CRCs on every GET would only slow reads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs,
      socketTimeout: options.readTimeoutMs,
      httpAgent: agents.httpAgent,
      httpsAgent: agents.httpsAgent,
    },
    // kserve#3482: KServe puts AWS_ENDPOINT_URL in the pod's environment, and the STS client that IRSA's
    // default chain builds would read it and send AssumeRoleWithWebIdentity to the S3 store. The default
    // chain hands `clientConfig` to that STS client; an explicit AWS_ENDPOINT_URL_STS is still honoured.
    clientConfig: { ignoreConfiguredEndpointUrls: !process.env.AWS_ENDPOINT_URL_STS },
  };
  if (options.anonymous) {
    // Unsigned requests; static dummy credentials keep the SDK from probing the metadata service.
    config.credentials = { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' };
    config.signer = { sign: async (request) => request };
  } else if (options.accessKeyId && options.secretAccessKey) {
    config.credentials = {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    };
  }
  return config;
}

async function readCaBundle(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw Object.assign(
      providerError('InvalidConfig', false, `s3: cannot read the CA bundle ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'Mount the CA bundle at AWS_CA_BUNDLE (or cabundle.crt under CA_BUNDLE_VOLUME_MOUNT_POINT), or unset it.'),
      { cause: error },
    );
  }
}

/**
 * On Node < 22 the SDK prints a support notice when a client is built. It reaches the init container's
 * log, where the last lines are the termination message, so hush it for this construction only.
 */
function withoutNodeVersionNotice<T>(build: () => T): T {
  const name = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const previous = process.env[name];
  process.env[name] = 'true';
  try {
    return build();
  } finally {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  }
}
