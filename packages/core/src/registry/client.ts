/**
 * Typed calls to the Model Registry endpoints the resolver needs, with paging, response shape checks and
 * the mapping of HTTP failures to mr-init error classes. Knows nothing about which version or artifact to pick.
 */
import {
  ErrConfig, ErrInvalidMRURI, ErrRegistryAuth, ErrRegistryUnreachable, type MrInitError,
} from '../errors.js';
import { RegistryHttpError, type RegistryHttp } from './http.js';
import type { Artifact, ListPage, ModelVersion, RegisteredModel } from './types.js';

/** Items asked for per list page. */
export const PAGE_SIZE = 100;
/** Guard against a server whose paging never ends. */
export const MAX_PAGES = 1000;

/** A find-by-name result: the entity, or the registry's 404 message. */
export type Lookup<T> = { found: true; item: T } | { found: false; message: string };

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_NOT_YET_VALID',
]);

/** The registry endpoints as typed methods over one `RegistryHttp` session. */
export class RegistryClient {
  constructor(private readonly http: RegistryHttp, private readonly hasToken: boolean) {}

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** `GET /registered_model?name=` */
  async findRegisteredModel(name: string): Promise<Lookup<RegisteredModel>> {
    return this.find<RegisteredModel>('/registered_model', { name }, `the lookup of registered model "${name}"`);
  }

  /** `GET /model_version?name=&parentResourceId=` */
  async findModelVersion(name: string, registeredModelId: string): Promise<Lookup<ModelVersion>> {
    return this.find<ModelVersion>('/model_version', { name, parentResourceId: registeredModelId },
      `the lookup of model version "${name}"`);
  }

  /** Every version of a model, across all pages, newest first as far as the server honours the order. */
  listVersions(registeredModelId: string): AsyncGenerator<ModelVersion> {
    return this.pages<ModelVersion>(`/registered_models/${encodeURIComponent(registeredModelId)}/versions`,
      { orderBy: 'CREATE_TIME', sortOrder: 'DESC' }, `the versions of registered model id ${registeredModelId}`);
  }

  /** Every artifact of a version, across all pages; `artifactType` narrows server-side (callers still check). */
  listArtifacts(versionId: string, artifactType?: string): AsyncGenerator<Artifact> {
    return this.pages<Artifact>(`/model_versions/${encodeURIComponent(versionId)}/artifacts`,
      { artifactType, orderBy: 'CREATE_TIME', sortOrder: 'DESC' }, `the artifacts of model version id ${versionId}`);
  }

  private async find<T extends { id: string; name: string }>(
    path: string, query: Record<string, string>, what: string,
  ): Promise<Lookup<T>> {
    let item: T;
    try {
      item = await this.http.getJson<T>(path, query);
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404 && error.serverMessage !== undefined) {
        return { found: false, message: error.serverMessage };
      }
      throw this.toError(error, what);
    }
    if (typeof item !== 'object' || item === null || typeof item.id !== 'string' || typeof item.name !== 'string') {
      throw this.malformed(path, 'an entity with string "id" and "name"');
    }
    return { found: true, item };
  }

  private async *pages<T>(path: string, query: Record<string, string | undefined>, what: string): AsyncGenerator<T> {
    let token: string | undefined;
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      let body: ListPage<T>;
      try {
        body = await this.http.getJson<ListPage<T>>(path, { ...query, pageSize: String(PAGE_SIZE), nextPageToken: token });
      } catch (error) {
        throw this.toError(error, what);
      }
      if (typeof body !== 'object' || body === null || !Array.isArray(body.items)) {
        throw this.malformed(path, 'a list with an "items" array');
      }
      yield* body.items;
      const next = body.nextPageToken;
      if (typeof next !== 'string' || next === '' || body.items.length === 0) return;
      if (seen.has(next) || page >= MAX_PAGES) {
        throw new ErrRegistryUnreachable(
          `the Model Registry at ${this.baseUrl} kept paging ${what} (page ${page}, a repeated nextPageToken)`);
      }
      seen.add(next);
      token = next;
    }
  }

  private malformed(path: string, expected: string): ErrRegistryUnreachable {
    return new ErrRegistryUnreachable(`GET ${this.baseUrl}${path} did not return ${expected}`, {
      hint: 'Check that MODEL_REGISTRY_BASE_URL points at the Model Registry REST API (v1alpha3).',
    });
  }

  /** Maps a failed call to the error class a user acts on; 404s with a registry body are handled by callers. */
  toError(error: unknown, what: string): MrInitError | Error {
    if (!(error instanceof RegistryHttpError)) return error instanceof Error ? error : new Error(String(error));
    return httpErrorToMrInit(error, what, this.hasToken);
  }
}

/**
 * The user-facing error for a registry HTTP failure: network errors, timeouts, 408/429/5xx and non-registry
 * answers → ErrRegistryUnreachable; 401/403/407 → ErrRegistryAuth; 400/422 (the registry refused the names
 * taken from the URI) → ErrInvalidMRURI; redirects and any other 4xx (something other than the registry API
 * answered) → ErrConfig. A 404 carrying a registry error body is the caller's "not found".
 */
export function httpErrorToMrInit(error: RegistryHttpError, what: string, hasToken: boolean): MrInitError {
  const { status, url } = error;
  const tries = error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
  const said = error.serverMessage === undefined ? error.message : `HTTP ${status}: ${error.serverMessage}`;
  if (status === undefined) {
    const tls = error.errorCode !== undefined && TLS_CODES.has(error.errorCode);
    return new ErrRegistryUnreachable(`cannot reach the Model Registry: GET ${url} failed${tries} (${error.message})`, tls
      ? { hint: 'The registry\'s TLS certificate is not trusted: set MODEL_REGISTRY_CA_FILE to its CA bundle, or MODEL_REGISTRY_TLS_VERIFY=false on a test cluster.' }
      : {});
  }
  if (status === 401 || status === 403 || status === 407) {
    return new ErrRegistryAuth(`the Model Registry refused ${what} (GET ${url}, ${said})`, hasToken
      ? { hint: 'The token was rejected: check that MODEL_REGISTRY_TOKEN / MODEL_REGISTRY_TOKEN_FILE holds a valid, unexpired token allowed to read this registry.' }
      : {});
  }
  if (status === 408 || status === 429 || status >= 500) {
    return new ErrRegistryUnreachable(`the Model Registry failed ${what}${tries} (GET ${url}, ${said})`, {
      hint: 'The registry is failing or overloaded; check its pods and database, then retry.',
    });
  }
  if (status >= 200 && status < 300) {
    return new ErrRegistryUnreachable(`GET ${url} answered ${status} but ${error.message}`, {
      hint: 'Check MODEL_REGISTRY_BASE_URL / MODEL_REGISTRY_SCHEME: they must point at the REST API, not a login page or UI.',
    });
  }
  if (status >= 300 && status < 400) {
    return new ErrConfig(`the Model Registry redirected ${what} (GET ${url}, HTTP ${status} to ${error.location ?? 'an unknown location'})`, {
      hint: 'Point MODEL_REGISTRY_BASE_URL / MODEL_REGISTRY_SCHEME at the REST API itself; a redirect usually means an http→https upgrade or a login page (then set MODEL_REGISTRY_TOKEN).',
    });
  }
  if (status === 404) {
    return new ErrRegistryUnreachable(`no Model Registry API answered ${what}: GET ${url} gave ${said}`, {
      hint: 'Check MODEL_REGISTRY_BASE_URL and its path prefix: the server there does not serve /api/model_registry/v1alpha3.',
    });
  }
  if (status === 400 || status === 422) {
    return new ErrInvalidMRURI(`the Model Registry rejected ${what} as invalid (GET ${url}, ${said})`, {
      hint: 'Check the model and version names in the URI: the registry refused them.',
    });
  }
  return new ErrConfig(`the Model Registry answered ${what} with an unexpected status (GET ${url}, ${said})`, {
    hint: 'Check that MODEL_REGISTRY_BASE_URL points at the Model Registry REST API (v1alpha3).',
  });
}
