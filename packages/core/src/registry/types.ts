/**
 * The parts of the Model Registry REST API (v1alpha3) the resolver reads, as they arrive on the wire:
 * ids and epoch-millisecond timestamps are JSON strings. Only fields the resolver uses are typed.
 */

/** `ModelVersion.state` / `RegisteredModel.state` values. */
export type EntityState = 'LIVE' | 'ARCHIVED';

/** Artifact states; a model artifact in one of `UNUSABLE_ARTIFACT_STATES` is never served. */
export type ArtifactState =
  | 'UNKNOWN' | 'PENDING' | 'LIVE' | 'MARKED_FOR_DELETION' | 'DELETED' | 'ABANDONED' | 'REFERENCE';

/** Artifact states that mean the bytes are gone or never arrived. */
export const UNUSABLE_ARTIFACT_STATES: readonly string[] = ['DELETED', 'MARKED_FOR_DELETION', 'ABANDONED'];

export interface RegisteredModel {
  id: string;
  name: string;
  state?: EntityState;
  createTimeSinceEpoch?: string;
}

export interface ModelVersion {
  id: string;
  name: string;
  registeredModelId?: string;
  state?: EntityState;
  createTimeSinceEpoch?: string;
}

export interface Artifact {
  id: string;
  name?: string;
  /** Discriminator: `model-artifact`, `doc-artifact`, `dataset-artifact`, `metric`, `parameter`. */
  artifactType?: string;
  uri?: string;
  state?: string;
  createTimeSinceEpoch?: string;
}

/** One page of a list endpoint. */
export interface ListPage<T> {
  items: T[];
  size: number;
  pageSize: number;
  /** Empty string (or absent) on the last page. */
  nextPageToken?: string;
}

/** The registry's error body. */
export interface RegistryErrorBody {
  code: string;
  message: string;
}

/** What `resolveModel` found: the registry called, the entities chosen and the storage URI to fetch. */
export interface ResolvedModel {
  /** Base URL actually called, ending in `/api/model_registry/v1alpha3`. */
  registryUrl: string;
  model: { id: string; name: string };
  version: { id: string; name: string; state?: string };
  artifact: { id: string; name?: string; uri: string; state?: string };
  /** Things the user should know but that did not stop resolution (an ARCHIVED version served, …). */
  warnings: string[];
}
