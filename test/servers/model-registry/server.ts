/**
 * A stateful Model Registry REST server (v1alpha3, read side) on 127.0.0.1, for tests. It answers as the
 * contract in fixtures/openapi.yaml says (a test validates every response), records every request, can
 * require a bearer token and can be told to fail the next requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { defaultSeed } from './seed.js';
import { BadParam, buildState, listParams, page } from './store.js';
import type { RecordedRequest, RegistrySeed, RegistryState, WireArtifact } from './types.js';

export const API_PATH = '/api/model_registry/v1alpha3';
const ID_RE = /^[1-9][0-9]{0,8}$/;
const ARTIFACT_TYPES = ['model-artifact', 'doc-artifact', 'dataset-artifact', 'metric', 'parameter'];

export interface StartModelRegistryOptions {
  /** @default defaultSeed() */
  seed?: RegistrySeed;
  /** When set, every request needs `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Path prefix in front of /api/model_registry/v1alpha3 (a gateway), e.g. '/registry'. @default '' */
  basePath?: string;
  /** Serve https with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` (https with `tls`), without basePath or API path. */
  url: string;
  port: number;
  /** The live data; change it to change what the server answers. */
  state: RegistryState;
  /**
   * The next `n` requests get `status` with `body` (default `{code, message}`; a string is sent as is) and
   * `headers`. Status 0 drops the connection without an answer. Failures are served before the auth check.
   */
  failNext(n: number, status: number, body?: object | string, headers?: Record<string, string>): void;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface Reply { status: number; body: unknown; headers?: Record<string, string> }

const error = (status: number, message: string): Reply => ({ status, body: { code: String(status), message } });

/** Starts a test registry on an ephemeral port of 127.0.0.1. */
export async function startModelRegistry(opts: StartModelRegistryOptions = {}): Promise<TestRegistry> {
  const state = buildState(opts.seed ?? defaultSeed());
  const prefix = `${(opts.basePath ?? '').replace(/\/+$/, '')}${API_PATH}`;
  const requests: RecordedRequest[] = [];
  const failures: Array<{ status: number; body?: object | string; headers?: Record<string, string> }> = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    const record: RecordedRequest = {
      method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams),
      status: 0, body: undefined,
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    };
    requests.push(record);
    const failure = failures.shift();
    if (failure?.status === 0) {
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (failure !== undefined) {
      reply = { status: failure.status, body: failure.body ?? { code: String(failure.status), message: `injected failure ${failure.status}` } };
      if (failure.headers) reply.headers = failure.headers;
    } else if (!url.pathname.startsWith(`${prefix}/`)) {
      // Outside the API the real server's Go mux answers a plain-text 404.
      reply = { status: 404, body: '404 page not found', headers: { 'content-type': 'text/plain; charset=utf-8' } };
    } else if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      reply = error(401, 'unauthorized: a valid bearer token is required');
    } else if (req.method !== 'GET') {
      reply = error(405, `method ${req.method} is not supported by the test registry`);
    } else {
      try {
        reply = route(state, url.pathname.slice(prefix.length), record.query);
      } catch (e) {
        reply = e instanceof BadParam ? error(400, e.message) : error(500, `test registry failure: ${(e as Error).message}`);
      }
    }
    send(res, reply, record);
  };

  const server: Server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    state,
    requests,
    failNext(n, status, body, headers) {
      for (let i = 0; i < n; i++) {
        failures.push({ status, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
      }
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, reply: Reply, record: RecordedRequest): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const contentType = reply.headers?.['content-type'] ?? 'application/json';
  res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
  res.end(text);
  record.status = reply.status;
  record.contentType = contentType;
  record.body = typeof reply.body === 'string' ? reply.body : JSON.parse(text);
}

function route(state: RegistryState, path: string, q: Record<string, string>): Reply {
  let parts: string[];
  try {
    parts = path.split('/').slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw new BadParam(`invalid percent-encoding in ${path}`);
  }
  const [collection, id, sub] = parts;
  const list = <T extends { id: string; createTimeSinceEpoch: string; lastUpdateTimeSinceEpoch: string }>(
    items: T[], scope: string,
  ): Reply => ({ status: 200, body: page(items, listParams(q, scope), scope, state.quirks.maxPageSize) });
  const checkId = (value: string | undefined, what: string): string => {
    if (value === undefined || !ID_RE.test(value)) throw new BadParam(`invalid ${what} "${value ?? ''}"`);
    return value;
  };
  const artifactsOf = (versionId: string | undefined): WireArtifact[] => state.artifacts
    .filter((a) => versionId === undefined || a.versionId === versionId).map((a) => a.artifact);
  const byType = (items: WireArtifact[]): WireArtifact[] => {
    const type = q.artifactType;
    if (type !== undefined && !ARTIFACT_TYPES.includes(type)) throw new BadParam(`invalid artifactType "${type}"`);
    return type === undefined || state.quirks.ignoreArtifactTypeFilter ? items : items.filter((a) => a.artifactType === type);
  };
  const byName = <T extends { name: string }>(items: T[]): T[] =>
    (q.name === undefined ? items : items.filter((i) => i.name === q.name));

  if (parts.length === 1 && collection === 'registered_model') {
    if (q.name === undefined && q.externalId === undefined) throw new BadParam('name or externalId is required');
    const found = state.models.filter((m) => q.name === undefined || m.name === q.name);
    if (found.length > 1) return error(404, `multiple registered models found for name=${q.name}: not found`);
    return found[0] ? { status: 200, body: found[0] } : error(404, `no registered models found for name=${q.name ?? ''}, externalId=${q.externalId ?? ''}: not found`);
  }
  if (parts.length === 1 && collection === 'model_version') {
    if (q.name !== undefined && q.parentResourceId === undefined) throw new BadParam('parentResourceId is required with name');
    const parent = q.parentResourceId === undefined ? undefined : checkId(q.parentResourceId, 'parentResourceId');
    const found = state.versions.filter((v) => (parent === undefined || v.registeredModelId === parent) &&
      (q.name === undefined || v.name === q.name));
    if (found.length !== 1) {
      return error(404, `${found.length > 1 ? 'multiple model versions' : 'no model versions'} found for name=${q.name ?? ''}, parentResourceId=${q.parentResourceId ?? ''}: not found`);
    }
    return { status: 200, body: found[0] };
  }
  if (collection === 'registered_models') {
    if (id === undefined) return list(state.models, 'registered_models');
    const model = state.models.find((m) => m.id === checkId(id, 'id'));
    if (!model) return error(404, `registered model by id ${id} not found`);
    if (sub === undefined && parts.length === 2) return { status: 200, body: model };
    if (sub === 'versions' && parts.length === 3) {
      return list(byName(state.versions.filter((v) => v.registeredModelId === model.id)), `rm/${model.id}/versions`);
    }
  }
  if (collection === 'model_versions') {
    if (id === undefined) return list(state.versions, 'model_versions');
    const version = state.versions.find((v) => v.id === checkId(id, 'id'));
    if (!version) return error(404, `model version by id ${id} not found`);
    if (sub === undefined && parts.length === 2) return { status: 200, body: version };
    if (sub === 'artifacts' && parts.length === 3) {
      return list(byName(byType(artifactsOf(version.id))), `mv/${version.id}/artifacts/${q.artifactType ?? ''}`);
    }
  }
  if (collection === 'artifacts' || collection === 'model_artifacts') {
    const pool = collection === 'artifacts' ? byType(artifactsOf(undefined))
      : artifactsOf(undefined).filter((a) => a.artifactType === 'model-artifact');
    if (id === undefined) return list(byName(pool), `${collection}/${q.artifactType ?? ''}`);
    const artifact = pool.find((a) => a.id === checkId(id, 'id'));
    if (parts.length === 2) return artifact ? { status: 200, body: artifact } : error(404, `artifact by id ${id} not found`);
  }
  return error(404, `no route for ${path} in the test registry`);
}
