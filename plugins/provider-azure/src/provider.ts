/**
 * @mr-init/provider-azure: Azure Blob Storage (and ADLS Gen2 through its blob endpoint, and Azurite).
 * One attempt per call; the engine retries, resumes and verifies.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import type { ByteRange, ProviderContext, ProviderLimits, RemoteObject, StorageProvider } from '@mr-init/core';
import { createContainerClient } from './client.js';
import { planAccess, type AccessPlan } from './credentials.js';
import { CREDENTIALS_ADVICE, providerError, toProviderError, type FailureContext } from './errors.js';
import { LIST_PAGE_SIZE, listObjects } from './listing.js';
import { parseAzureOptions, redactOptions, type AzureOptions } from './options.js';
import { displayUri } from './uri.js';

export const DEBUG_NAMESPACE = 'mr-init:azure';

export type { AzureOptions } from './options.js';
export { parseAzureOptions } from './options.js';
export { parseAzureUri, type AzureLocation } from './uri.js';

/** A container client and what its failures need to say. */
interface ContainerHandle {
  client: ContainerClient;
  /** Service URL + '/' + encoded container: the prefix of every location from this container. */
  containerUrl: string;
  at: Omit<FailureContext, 'op' | 'where'>;
}

/** Clients by containerUrl + credential identity (a SAS from one URI must not serve another URI's reads). */
const clients = new Map<string, Promise<ContainerHandle>>();
/** The handle that listed each container, so read() finds the client from a location alone. */
const byContainerUrl = new Map<string, ContainerHandle>();

/** KServe's default for each of AZURE_MAX_FILE_CONCURRENCY / AZURE_MAX_CHUNK_CONCURRENCY when only the other is set. */
const KSERVE_AZURE_CONCURRENCY = 4;

/**
 * KServe fetches AZURE_MAX_FILE_CONCURRENCY files with AZURE_MAX_CHUNK_CONCURRENCY chunks each: when the
 * user sets either, the engine runs at most their product of reads; otherwise its own budget applies.
 */
export function azureLimits(ctx: Pick<ProviderContext, 'env' | 'settings'>): ProviderLimits {
  const { maxFileConcurrency: files, maxChunkConcurrency: chunks } = parseAzureOptions(ctx);
  if (files === undefined && chunks === undefined) return {};
  return { maxConnections: (files ?? KSERVE_AZURE_CONCURRENCY) * (chunks ?? KSERVE_AZURE_CONCURRENCY) };
}

const provider: StorageProvider = {
  name: 'azure',
  capabilities: {
    rangedRead: true,
    prefixListing: true,
    checksums: ['md5'],
    versionPinning: true,
    listMaxPageSize: LIST_PAGE_SIZE,
  },

  limits: azureLimits,

  async *list(uri: URL, ctx: ProviderContext): AsyncGenerator<RemoteObject> {
    const options = parseAzureOptions(ctx);
    const access = planAccess(uri, options);
    const handle = await containerHandle(access, options, ctx);
    const at: FailureContext = { ...handle.at, op: 'list', where: displayUri(uri), signal: ctx.signal };
    try {
      yield* listObjects({
        container: handle.client,
        path: access.location.path,
        locate: (name) => `${handle.containerUrl}/${encodePath(name)}`,
        signal: ctx.signal,
      });
    } catch (error) {
      throw toProviderError(error, at);
    }
  },

  async read(obj: RemoteObject, range: ByteRange | undefined, ctx: ProviderContext): Promise<Readable> {
    const { handle, name } = await handleForLocation(obj.location, ctx);
    const at: FailureContext = {
      ...handle.at, op: range ? `read bytes ${range.start}-${range.end - 1} of` : 'read', where: obj.location, signal: ctx.signal,
    };
    const count = range === undefined ? undefined : range.end - range.start;
    if (count !== undefined && count <= 0) return new PassThrough().end() as Readable;
    const blob = handle.client.getBlobClient(name);
    let body: NodeJS.ReadableStream | undefined;
    try {
      const response = await blob.download(range?.start ?? 0, count, {
        abortSignal: ctx.signal,
        // 0: the SDK's own resume-on-short-read would be a hidden retry; the engine resumes instead.
        maxRetryRequests: 0,
        ...(obj.version ? { conditions: { ifMatch: obj.version } } : {}),
      });
      body = response.readableStreamBody;
    } catch (error) {
      const mapped = toProviderError(error, at);
      // If-Match on a deleted blob answers 412 on some servers (Azurite, per RFC 9110), not 404: tell them apart.
      if (mapped.kind === 'VersionChanged' && !(await blob.exists({ abortSignal: ctx.signal }).catch(() => true))) {
        throw providerError('NotFound', `azure: ${at.op} ${at.where} failed: the blob was deleted since it was listed`, { status: 404 });
      }
      throw mapped;
    }
    if (body === undefined) throw providerError('Unexpected', `azure: ${at.op} ${at.where} failed: the response had no body`);
    // Re-emit stream failures as provider errors (kind, retryable) without the SDK's request attached.
    const source = body as Readable;
    const out = new PassThrough();
    source.on('error', (error) => out.destroy(toProviderError(error, at)));
    out.on('close', () => { if (!source.destroyed) source.destroy(); });
    source.pipe(out);
    return out;
  },

  async close(): Promise<void> {
    clients.clear();
    byContainerUrl.clear();
  },
};

export default provider;

async function containerHandle(access: AccessPlan, options: AzureOptions, ctx: ProviderContext): Promise<ContainerHandle> {
  const { location, credential } = access;
  const containerUrl = `${location.serviceUrl}/${encodeURIComponent(location.container)}`;
  const secret = 'sas' in credential ? credential.sas : '';
  const key = `${containerUrl}\n${credential.method}\n${secret}`;
  let pending = clients.get(key);
  if (pending === undefined) {
    ctx.logger.debug(`[${DEBUG_NAMESPACE}] options`, redactOptions(options));
    ctx.logger.debug(`[${DEBUG_NAMESPACE}] client`, { serviceUrl: location.serviceUrl, container: location.container, auth: credential.method });
    if (credential.method === 'anonymous') {
      ctx.logger.warn(`azure: no credentials found for storage account "${location.account}"; trying anonymous access, ` +
        `which only works for public containers. To authenticate, ${CREDENTIALS_ADVICE}.`);
    }
    pending = createContainerClient(access).then((client) => ({
      client, containerUrl, at: { auth: credential.method, account: location.account },
    }));
    clients.set(key, pending);
    pending.catch(() => clients.delete(key));
  }
  const handle = await pending;
  byContainerUrl.set(containerUrl, handle);
  return handle;
}

/** Finds the client that listed a location; without one (a fresh process), plans access from the location. */
async function handleForLocation(location: string, ctx: ProviderContext): Promise<{ handle: ContainerHandle; name: string }> {
  let best: ContainerHandle | undefined;
  for (const [url, handle] of byContainerUrl) {
    if (location.startsWith(`${url}/`) && (best === undefined || url.length > best.containerUrl.length)) best = handle;
  }
  if (best !== undefined) return { handle: best, name: decodeURIComponent(location.slice(best.containerUrl.length + 1)) };

  let uri: URL;
  try {
    uri = new URL(location);
  } catch {
    throw providerError('InvalidConfig', `azure: "${location}" is not a location this provider listed`);
  }
  const options = parseAzureOptions(ctx);
  const access = planAccess(uri, options);
  return { handle: await containerHandle(access, options, ctx), name: access.location.path };
}

/** Percent-encodes each segment of a blob name, so a location is a real URL (spaces, unicode, '#', '?'). */
function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
