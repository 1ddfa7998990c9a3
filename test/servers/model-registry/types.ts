/**
 * Types of the test Model Registry: the seed format tests write, and the wire entities the server serves
 * (string ids and epoch-millisecond strings, as the real REST API v1alpha3 sends them).
 */

export type SeedArtifactType = 'model-artifact' | 'doc-artifact' | 'dataset-artifact' | 'metric' | 'parameter';
export type SeedArtifactState =
  | 'UNKNOWN' | 'PENDING' | 'LIVE' | 'MARKED_FOR_DELETION' | 'DELETED' | 'ABANDONED' | 'REFERENCE';

export interface SeedArtifact {
  /** Explicit id; otherwise the next free artifact id. */
  id?: string;
  name?: string;
  /** @default 'model-artifact' */
  artifactType?: SeedArtifactType;
  /** @default 'LIVE' */
  state?: SeedArtifactState;
  /** Storage URI; '' for an artifact without one. Ignored for metrics and parameters. */
  uri?: string;
  createTimeSinceEpoch: number | string;
  modelFormatName?: string;
}

export interface SeedVersion {
  id?: string;
  name: string;
  /** @default 'LIVE' */
  state?: 'LIVE' | 'ARCHIVED';
  createTimeSinceEpoch: number | string;
  author?: string;
  customProperties?: Record<string, unknown>;
  artifacts?: SeedArtifact[];
}

export interface SeedModel {
  id?: string;
  name: string;
  /** @default 'LIVE' */
  state?: 'LIVE' | 'ARCHIVED';
  createTimeSinceEpoch?: number | string;
  owner?: string;
  /** Served as is: values are `{metadataType: 'MetadataStringValue', string_value: ...}` and the like. */
  customProperties?: Record<string, unknown>;
  versions?: SeedVersion[];
}

/** What a test registry starts with. Ids are assigned in seed order unless given. */
export interface RegistrySeed {
  models: SeedModel[];
}

/** Fields every served entity has. */
export interface WireBase {
  id: string;
  name: string;
  createTimeSinceEpoch: string;
  lastUpdateTimeSinceEpoch: string;
  customProperties: Record<string, unknown>;
}

export interface WireRegisteredModel extends WireBase {
  state: 'LIVE' | 'ARCHIVED';
  owner?: string;
}

export interface WireModelVersion extends WireBase {
  registeredModelId: string;
  state: 'LIVE' | 'ARCHIVED';
  author?: string;
}

export interface WireArtifact extends WireBase {
  artifactType: SeedArtifactType;
  state: SeedArtifactState;
  uri?: string;
  modelFormatName?: string;
  value?: number | string;
  parameterType?: string;
}

/** Server behaviours that differ from the real registry, for testing a client's defences. */
export interface RegistryQuirks {
  /** Serve every artifact type even when `artifactType=` asks for one (older or buggy servers). */
  ignoreArtifactTypeFilter: boolean;
  /** Largest page served whatever `pageSize` asks for. */
  maxPageSize: number;
}

/** The live, mutable state of a test registry: tests may change it between requests. */
export interface RegistryState {
  models: WireRegisteredModel[];
  versions: WireModelVersion[];
  /** Artifacts with the version they belong to. */
  artifacts: Array<{ versionId: string; artifact: WireArtifact }>;
  quirks: RegistryQuirks;
}

/** One request the server received, and what it answered. */
export interface RecordedRequest {
  method: string;
  /** Path as received (still percent-encoded), without the query. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  authorization?: string;
  /** Status sent (0 when the connection was dropped on purpose). */
  status: number;
  /** Content-Type sent. */
  contentType?: string;
  /** Body sent: parsed JSON, or the raw text. */
  body: unknown;
}
