/**
 * `model-registry://` → storage URI: registered model by name, then the named version or the latest LIVE
 * one (newest createTimeSinceEpoch, ties by highest id, over every page), then the newest usable model
 * artifact. Ids and timestamps are JSON strings: they are compared as integers, never as text.
 */
import { readFile } from 'node:fs/promises';
import {
  ErrConfig, ErrInvalidMRURI, ErrModelArtifactEmptyURI, ErrModelVersionNotFound, ErrNoArtifactAssociated,
  ErrNoModelArtifact, ErrNoVersionAssociated, ErrRegisteredModelNotFound, ErrRegistryAuth, ErrRegistryUnreachable,
} from '../errors.js';
import type { Logger } from '../providers/contract.js';
import type { ModelRegistryRef } from '../uri/model-registry-uri.js';
import { RegistryClient } from './client.js';
import { RegistryHttp, type RegistryHttpOptions } from './http.js';
import { REGISTRY_ENV, registryBaseUrl, type RegistryOptions } from './options.js';
import {
  UNUSABLE_ARTIFACT_STATES, type Artifact, type ModelVersion, type RegisteredModel, type ResolvedModel,
} from './types.js';

/** Time limit of the second, host/model reading of an ambiguous two-segment URI. */
export const ALTERNATE_TIMEOUT_MS = 2_000;

type Session = Omit<RegistryHttpOptions, 'baseUrl'>;

/**
 * Resolves a parsed `model-registry://` reference to the model artifact's storage URI.
 * Reads `tokenFile` and `caFile` on every call (a projected token rotates).
 * @throws ErrRegisteredModelNotFound, ErrModelVersionNotFound, ErrNoVersionAssociated, ErrNoArtifactAssociated,
 *   ErrNoModelArtifact, ErrModelArtifactEmptyURI, ErrRegistryAuth, ErrRegistryUnreachable, ErrConfig, ErrInvalidMRURI
 */
export async function resolveModel(ref: ModelRegistryRef, opts: RegistryOptions, logger?: Logger): Promise<ResolvedModel> {
  const session: Session = {
    tlsVerify: opts.tlsVerify, timeoutMs: opts.timeoutMs, retries: opts.retries,
    ...(logger === undefined ? {} : { logger }),
  };
  const token = await loadToken(opts);
  if (token !== undefined) session.token = token;
  const ca = await loadCa(opts);
  if (ca !== undefined) session.ca = ca;
  const baseUrl = registryBaseUrl(ref, opts);
  try {
    return await resolveAt(ref, { ...session, baseUrl });
  } catch (error) {
    if (!(error instanceof ErrRegisteredModelNotFound) || ref.alternateHost === undefined || ref.version === undefined) {
      throw error;
    }
    return resolveAlternate(ref, opts, session, error);
  }
}

/** The two-segment fallback: `first/second` read as registry host `first` and model `second` (design §5). */
async function resolveAlternate(
  ref: ModelRegistryRef, opts: RegistryOptions, session: Session, primary: ErrRegisteredModelNotFound,
): Promise<ResolvedModel> {
  const host = ref.alternateHost!;
  const alt: ModelRegistryRef = { raw: ref.raw, host, model: ref.version! };
  const baseUrl = registryBaseUrl(alt, opts);
  session.logger?.info('model not found; trying the first URI segment as the registry host', { host, url: baseUrl });
  try {
    const resolved = await resolveAt(alt, {
      ...session, baseUrl, retries: 0, timeoutMs: Math.min(session.timeoutMs, ALTERNATE_TIMEOUT_MS),
    });
    resolved.warnings.push(`read ${ref.raw} as registry host "${host}" and model "${alt.model}", because no model ` +
      `"${ref.model}" exists in the default registry; write the host with a port (${host}:8080) to make that explicit`);
    return resolved;
  } catch (error) {
    const readingFailed = error instanceof ErrRegisteredModelNotFound || error instanceof ErrRegistryUnreachable ||
      error instanceof ErrRegistryAuth || error instanceof ErrConfig || error instanceof ErrInvalidMRURI;
    if (!readingFailed) throw error;
    throw new ErrRegisteredModelNotFound(
      `no model found under either reading of ${ref.raw}: as model "${ref.model}" version "${ref.version}", ` +
      `${primary.message}; as registry host "${host}" with model "${alt.model}", ${(error as Error).message}`,
      { hint: `Check the model name; to name a registry host, add a port or domain (${host}:8080/${alt.model}).` },
    );
  }
}

async function resolveAt(ref: ModelRegistryRef, o: RegistryHttpOptions): Promise<ResolvedModel> {
  const http = new RegistryHttp(o);
  const client = new RegistryClient(http, o.token !== undefined);
  const warnings: string[] = [];
  const warn = (text: string): void => {
    warnings.push(text);
    o.logger?.warn(text);
  };
  try {
    const found = await client.findRegisteredModel(ref.model);
    if (!found.found) {
      throw new ErrRegisteredModelNotFound(
        `registered model "${ref.model}" not found in the Model Registry at ${o.baseUrl} (server: ${found.message})`);
    }
    const model = found.item;
    if (model.state === 'ARCHIVED') warn(`registered model "${model.name}" is ARCHIVED`);
    const version = ref.version === undefined
      ? await latestLiveVersion(client, model)
      : await namedVersion(client, model, ref.version, warn);
    const artifact = await newestModelArtifact(client, model, version);
    o.logger?.debug('registry resolved', { model: model.id, version: version.id, artifact: artifact.id });
    return {
      registryUrl: o.baseUrl,
      model: { id: model.id, name: model.name },
      version: { id: version.id, name: version.name, ...(version.state === undefined ? {} : { state: version.state }) },
      artifact: {
        id: artifact.id, uri: artifact.uri!,
        ...(artifact.name === undefined ? {} : { name: artifact.name }),
        ...(artifact.state === undefined ? {} : { state: artifact.state }),
      },
      warnings,
    };
  } finally {
    http.close();
  }
}

async function namedVersion(
  client: RegistryClient, model: RegisteredModel, name: string, warn: (text: string) => void,
): Promise<ModelVersion> {
  const found = await client.findModelVersion(name, model.id);
  if (!found.found) {
    throw new ErrModelVersionNotFound(`version "${name}" of registered model "${model.name}" (id ${model.id}) not ` +
      `found in the Model Registry at ${client.baseUrl} (server: ${found.message})`);
  }
  const version = found.item;
  if (version.registeredModelId !== undefined && version.registeredModelId !== model.id) {
    throw new ErrModelVersionNotFound(`the Model Registry at ${client.baseUrl} returned version "${name}" of another ` +
      `model (registeredModelId ${version.registeredModelId}, expected ${model.id})`);
  }
  if (version.state === 'ARCHIVED') {
    warn(`version "${version.name}" of registered model "${model.name}" is ARCHIVED; serving it because the URI names it`);
  }
  return version;
}

async function latestLiveVersion(client: RegistryClient, model: RegisteredModel): Promise<ModelVersion> {
  let best: ModelVersion | undefined;
  let total = 0;
  let archived = 0;
  for await (const version of client.listVersions(model.id)) {
    total++;
    if ((version.state ?? 'LIVE') !== 'LIVE') {
      archived++;
      continue;
    }
    if (best === undefined || isNewer(version, best)) best = version;
  }
  if (best === undefined) {
    throw new ErrNoVersionAssociated(total === 0
      ? `registered model "${model.name}" (id ${model.id}) has no versions`
      : `registered model "${model.name}" (id ${model.id}) has no LIVE version: all ${archived} of its versions are ARCHIVED`);
  }
  return best;
}

async function newestModelArtifact(
  client: RegistryClient, model: RegisteredModel, version: ModelVersion,
): Promise<Artifact> {
  const what = `version "${version.name}" (id ${version.id}) of registered model "${model.name}"`;
  let best: Artifact | undefined;
  const skipped: Artifact[] = [];
  // The server's artifactType filter narrows the listing, but the type is checked here too: a server that
  // ignores the filter must not get a newer doc artifact served as the model.
  for await (const artifact of client.listArtifacts(version.id, 'model-artifact')) {
    if (!isUsableModelArtifact(artifact)) skipped.push(artifact);
    else if (best === undefined || isNewer(artifact, best)) best = artifact;
  }
  if (best === undefined) {
    if (skipped.length === 0) {
      // Nothing of type model-artifact: look at all types, to tell "no artifacts" from "none usable".
      for await (const artifact of client.listArtifacts(version.id)) {
        skipped.push(artifact);
        if (skipped.length >= 20) break;
      }
      if (skipped.length === 0) throw new ErrNoArtifactAssociated(`${what} has no artifacts`);
    }
    throw new ErrNoModelArtifact(`${what} has no usable model-artifact; found ${describeArtifacts(skipped)}`);
  }
  if (typeof best.uri !== 'string' || best.uri.trim() === '') {
    throw new ErrModelArtifactEmptyURI(`the newest model artifact${best.name ? ` "${best.name}"` : ''} (id ${best.id}) ` +
      `of ${what} has an empty uri`);
  }
  return best;
}

/** A model artifact whose bytes should exist: type `model-artifact` and not deleted or abandoned. */
export function isUsableModelArtifact(artifact: Artifact): boolean {
  return artifact.artifactType === 'model-artifact' && !UNUSABLE_ARTIFACT_STATES.includes(artifact.state ?? 'UNKNOWN');
}

/** Newer by createTimeSinceEpoch, ties broken by the higher id; both compared as integers. */
export function isNewer(a: { id: string; createTimeSinceEpoch?: string }, b: { id: string; createTimeSinceEpoch?: string }): boolean {
  const ta = toBigInt(a.createTimeSinceEpoch);
  const tb = toBigInt(b.createTimeSinceEpoch);
  if (ta !== tb) return ta > tb;
  return toBigInt(a.id) > toBigInt(b.id);
}

function toBigInt(text: string | undefined): bigint {
  return typeof text === 'string' && /^\d{1,30}$/.test(text) ? BigInt(text) : -1n;
}

function describeArtifacts(artifacts: Artifact[]): string {
  const shown = artifacts.slice(0, 5).map((a) =>
    `${a.artifactType ?? 'untyped'}${a.name ? ` "${a.name}"` : ''} (id ${a.id}, ${a.state ?? 'no state'})`);
  const more = artifacts.length > 5 ? ` and ${artifacts.length - 5} more` : '';
  return `${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`;
}

async function loadToken(opts: RegistryOptions): Promise<string | undefined> {
  if (opts.token !== undefined && opts.token !== '') return opts.token.trim();
  if (opts.tokenFile === undefined || opts.tokenFile === '') return undefined;
  const text = await readSetting(opts.tokenFile, REGISTRY_ENV.tokenFile);
  const token = text.trim();
  if (token === '') throw new ErrConfig(`${REGISTRY_ENV.tokenFile} "${opts.tokenFile}" is empty`);
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ErrConfig(`${REGISTRY_ENV.tokenFile} "${opts.tokenFile}" does not hold a single token ` +
      '(it has spaces or control characters inside); contents not shown');
  }
  return token;
}

async function loadCa(opts: RegistryOptions): Promise<string | undefined> {
  if (opts.caFile === undefined || opts.caFile === '') return undefined;
  const pem = await readSetting(opts.caFile, REGISTRY_ENV.caFile);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ErrConfig(`${REGISTRY_ENV.caFile} "${opts.caFile}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

async function readSetting(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new ErrConfig(`${variable} "${path}" cannot be read (${code})`);
  }
}
