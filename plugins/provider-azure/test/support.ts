/** Shared by the Azure tests: seeding Azurite through the real SDK, contexts, and draining provider calls. */
import { Readable } from 'node:stream';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import type { ByteRange, ProviderContext, ProviderError, RemoteObject } from '@mr-init/core';
import provider from '../src/provider.js';
import type { AzuriteServer } from '../../../test/servers/azurite.js';

/** A URI's host for the dev account in the public-cloud form (requests go to Azurite via the endpoint override). */
export const DEV_HOST = 'devstoreaccount1.blob.core.windows.net';

/** An admin client for seeding, signed with the dev account key. */
export function adminClient(server: AzuriteServer): BlobServiceClient {
  return new BlobServiceClient(server.blobEndpoint, new StorageSharedKeyCredential(server.accountName, server.accountKey),
    { retryOptions: { maxTries: 1 } });
}

let containerCounter = 0;

/** Creates a fresh container (optionally public) and uploads `files` into it. */
export async function seedContainer(server: AzuriteServer, files: Record<string, Buffer | string>,
  options: { publicAccess?: boolean; metadata?: Record<string, Record<string, string>> } = {}): Promise<ContainerClient> {
  const container = adminClient(server).getContainerClient(`t${process.pid}-${++containerCounter}`);
  await container.create(options.publicAccess ? { access: 'container' } : {});
  for (const [name, body] of Object.entries(files)) {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const metadata = options.metadata?.[name];
    await container.getBlockBlobClient(name).uploadData(data, metadata ? { metadata } : {});
  }
  return container;
}

/** Warnings a context's logger received. */
export interface RecordingContext extends ProviderContext {
  warnings: string[];
  debugs: string[];
}

/** A context with the given env and a logger that records what it is told. */
export function makeCtx(env: Record<string, string | undefined>, settings: Record<string, unknown> = {}): RecordingContext {
  const warnings: string[] = [];
  const debugs: string[] = [];
  return {
    env,
    settings,
    warnings,
    debugs,
    signal: new AbortController().signal,
    logger: {
      debug: (message, fields) => { debugs.push(`${message} ${JSON.stringify(fields ?? {})}`); },
      info: () => {},
      warn: (message) => { warnings.push(message); },
    },
  };
}

/** Drains provider.list(). */
export async function listAll(uri: string | URL, ctx: ProviderContext): Promise<RemoteObject[]> {
  const out: RemoteObject[] = [];
  for await (const obj of provider.list(typeof uri === 'string' ? new URL(uri) : uri, ctx)) out.push(obj);
  return out;
}

/** Paths of a listing, sorted. */
export async function listPaths(uri: string | URL, ctx: ProviderContext): Promise<string[]> {
  return (await listAll(uri, ctx)).map((o) => o.path).sort();
}

/** Reads an object (or a range) through the provider into a string. */
export async function readText(obj: RemoteObject, ctx: ProviderContext, range?: ByteRange): Promise<string> {
  const stream: Readable = await provider.read(obj, range, ctx);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

/** Runs `fn` and returns the provider error it throws (fails the test when it does not throw). */
export async function failure(fn: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await fn();
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** The URI of `container/path` in the public-cloud form. */
export function blobUri(container: ContainerClient, path = ''): string {
  return `https://${DEV_HOST}/${container.containerName}/${path.split('/').map(encodeURIComponent).join('/')}`;
}
