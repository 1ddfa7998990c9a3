/**
 * The test registry's data: built from a seed, queried the way the real server does (exact-name finds,
 * ordering by CREATE_TIME / LAST_UPDATE_TIME / ID, ASC by default, and opaque page tokens).
 */
import type {
  RegistrySeed, RegistryState, SeedArtifact, WireArtifact, WireModelVersion, WireRegisteredModel,
} from './types.js';

export const ORDER_FIELDS = ['CREATE_TIME', 'LAST_UPDATE_TIME', 'ID'] as const;
export const DEFAULT_PAGE_SIZE = 100;

/** Builds the state. Registered models and versions share one id sequence (MLMD contexts); artifacts have theirs. */
export function buildState(seed: RegistrySeed): RegistryState {
  const usedContexts = new Set<string>();
  const usedArtifacts = new Set<string>();
  for (const m of seed.models) {
    if (m.id) usedContexts.add(m.id);
    for (const v of m.versions ?? []) {
      if (v.id) usedContexts.add(v.id);
      for (const a of v.artifacts ?? []) if (a.id) usedArtifacts.add(a.id);
    }
  }
  const counter = (used: Set<string>): (() => string) => {
    let n = 0;
    return () => {
      do n++; while (used.has(String(n)));
      return String(n);
    };
  };
  const nextContext = counter(usedContexts);
  const nextArtifact = counter(usedArtifacts);
  const state: RegistryState = {
    models: [], versions: [], artifacts: [], quirks: { ignoreArtifactTypeFilter: false, maxPageSize: 1000 },
  };
  for (const m of seed.models) {
    const created = String(m.createTimeSinceEpoch ?? Date.now());
    const model: WireRegisteredModel = {
      id: m.id ?? nextContext(), name: m.name, state: m.state ?? 'LIVE',
      createTimeSinceEpoch: created, lastUpdateTimeSinceEpoch: created, customProperties: m.customProperties ?? {},
      ...(m.owner === undefined ? {} : { owner: m.owner }),
    };
    state.models.push(model);
    for (const v of m.versions ?? []) {
      const at = String(v.createTimeSinceEpoch);
      const version: WireModelVersion = {
        id: v.id ?? nextContext(), name: v.name, registeredModelId: model.id, state: v.state ?? 'LIVE',
        createTimeSinceEpoch: at, lastUpdateTimeSinceEpoch: at, customProperties: v.customProperties ?? {},
        ...(v.author === undefined ? {} : { author: v.author }),
      };
      state.versions.push(version);
      for (const a of v.artifacts ?? []) {
        state.artifacts.push({ versionId: version.id, artifact: toWireArtifact(a, a.id ?? nextArtifact()) });
      }
    }
  }
  return state;
}

function toWireArtifact(a: SeedArtifact, id: string): WireArtifact {
  const at = String(a.createTimeSinceEpoch);
  const type = a.artifactType ?? 'model-artifact';
  const wire: WireArtifact = {
    id, name: a.name ?? `artifact-${id}`, artifactType: type, state: a.state ?? 'LIVE',
    createTimeSinceEpoch: at, lastUpdateTimeSinceEpoch: at, customProperties: {},
  };
  if (type === 'metric') wire.value = 0.97;
  else if (type === 'parameter') Object.assign(wire, { value: '0.01', parameterType: 'number' });
  else wire.uri = a.uri ?? '';
  if (a.modelFormatName !== undefined && type === 'model-artifact') wire.modelFormatName = a.modelFormatName;
  return wire;
}

/** A request's listing parameters, validated. */
export interface ListParams {
  orderBy: (typeof ORDER_FIELDS)[number];
  sortOrder: 'ASC' | 'DESC';
  pageSize: number;
  offset: number;
}

/** Why a query parameter was refused (answered with 400). */
export class BadParam extends Error {}

/** Parses orderBy / sortOrder / pageSize / nextPageToken; `scope` binds a token to the listing it came from. */
export function listParams(query: Record<string, string>, scope: string): ListParams {
  const orderBy = query.orderBy ?? 'ID';
  if (!(ORDER_FIELDS as readonly string[]).includes(orderBy)) throw new BadParam(`invalid orderBy "${orderBy}"`);
  const sortOrder = query.sortOrder ?? 'ASC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC') throw new BadParam(`invalid sortOrder "${sortOrder}"`);
  const sizeText = query.pageSize ?? String(DEFAULT_PAGE_SIZE);
  if (!/^[1-9][0-9]{0,8}$/.test(sizeText)) throw new BadParam(`invalid pageSize "${sizeText}"`);
  let offset = 0;
  if (query.nextPageToken) {
    const decoded = decodeToken(query.nextPageToken);
    if (decoded === undefined || decoded.scope !== `${scope}|${orderBy}|${sortOrder}`) {
      throw new BadParam('invalid nextPageToken');
    }
    offset = decoded.offset;
  }
  return { orderBy: orderBy as ListParams['orderBy'], sortOrder, pageSize: Number(sizeText), offset };
}

/** Sorts, pages and wraps items as the API's `{items, size, pageSize, nextPageToken}`. */
export function page<T extends { id: string; createTimeSinceEpoch: string; lastUpdateTimeSinceEpoch: string }>(
  all: T[], p: ListParams, scope: string, maxPageSize: number,
): { items: T[]; size: number; pageSize: number; nextPageToken: string } {
  const key = (item: T): bigint => BigInt(p.orderBy === 'CREATE_TIME' ? item.createTimeSinceEpoch
    : p.orderBy === 'LAST_UPDATE_TIME' ? item.lastUpdateTimeSinceEpoch : item.id);
  const sign = p.sortOrder === 'ASC' ? 1 : -1;
  const sorted = [...all].sort((a, b) => {
    const primary = key(a) === key(b) ? BigInt(a.id) - BigInt(b.id) : key(a) - key(b);
    return primary === 0n ? 0 : (primary > 0n ? sign : -sign);
  });
  const size = Math.min(p.pageSize, maxPageSize);
  const items = sorted.slice(p.offset, p.offset + size);
  const more = p.offset + size < sorted.length;
  return {
    items, size: items.length, pageSize: size,
    nextPageToken: more ? encodeToken({ scope: `${scope}|${p.orderBy}|${p.sortOrder}`, offset: p.offset + size }) : '',
  };
}

function encodeToken(t: { scope: string; offset: number }): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(text: string): { scope: string; offset: number } | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { scope?: unknown; offset?: unknown };
    if (typeof t.scope === 'string' && typeof t.offset === 'number' && Number.isInteger(t.offset) && t.offset >= 0) {
      return { scope: t.scope, offset: t.offset };
    }
  } catch {
    // falls through to undefined
  }
  return undefined;
}
