/**
 * The default fixture: model `iris` for the four KServe scenarios, plus one model per resolver edge case.
 * Artifact URIs come from a function tests pass in, so other suites can point them at local storage servers.
 */
import type { RegistrySeed, SeedArtifact, SeedModel, SeedVersion } from './types.js';

/** Builds an artifact's storage URI from the model, version and artifact names. */
export type ArtifactUriFn = (model: string, version: string, artifact: string) => string;

export interface DefaultSeedOptions {
  /** A fixed URI for every artifact, or a function of (model, version, artifact name). */
  artifactUri?: string | ArtifactUriFn;
}

/** Base of every seeded timestamp (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000_000;

/** Number of versions of `paged` and of artifacts of `many-artifacts/v1`, both above one 100-item page. */
export const PAGED_VERSIONS = 150;
export const PAGED_LIVE = 30;
export const MANY_ARTIFACTS = 120;

const defaultUri: ArtifactUriFn = (model, version) =>
  `s3://models/${encodeURIComponent(model)}/${encodeURIComponent(version)}`;

/**
 * Models (expected resolution in brackets):
 * - `iris`: v2 LIVE (newest LIVE by time, lower id than v1), v1 LIVE, v3 ARCHIVED (newest of all) [latest = v2]
 * - `doc-newest`: v1 whose newest artifact is a doc-artifact [artifact `model`]
 * - `deleted-newest`: v1 whose newer model artifacts are DELETED / MARKED_FOR_DELETION / ABANDONED [artifact `model`]
 * - `my model` / `v 1`, `modèle-日本` / `версия 1`: names with spaces and unicode
 * - `paged`: 150 versions, the newest 120 ARCHIVED [latest = v030, on the second page]
 * - `many-artifacts`: v1 with 120 model artifacts, the newest 119 DELETED [artifact `good`, on the second page]
 * - `tied`: two LIVE versions with the same create time, ids 90000 and 100000 [latest = `b`, id 100000]
 * - `lexical-time`: create times 999999999999 vs 1000000000000 [latest = `new`]
 * - `no-versions`, `archived-only` (2 ARCHIVED), `no-artifacts` (v1), `empty-uri` (v1), `doc-only` (v1),
 *   `deleted-only` (v1): one error case each
 * - `dup`: two registered models with the same name (the registry answers 404 to a find by name)
 */
export function defaultSeed(options: DefaultSeedOptions = {}): RegistrySeed {
  const given = options.artifactUri;
  const uri: ArtifactUriFn = typeof given === 'string' ? () => given : given ?? defaultUri;
  const model = (m: string, v: string, at: number, extra: Partial<SeedArtifact> = {}): SeedArtifact =>
    ({ name: 'model', uri: uri(m, v, extra.name ?? 'model'), createTimeSinceEpoch: at, modelFormatName: 'onnx', ...extra });
  const version = (m: string, v: string, at: number, extra: Partial<SeedVersion> = {}): SeedVersion =>
    ({ name: v, createTimeSinceEpoch: at, artifacts: [model(m, v, at + 1)], ...extra });

  const models: SeedModel[] = [
    {
      name: 'iris', owner: 'kubeflow', createTimeSinceEpoch: T0,
      customProperties: { framework: { metadataType: 'MetadataStringValue', string_value: 'sklearn' } },
      // Seed order sets the ids: v2 gets a lower id than v1 although it is newer.
      versions: [
        version('iris', 'v2', T0 + 2000),
        version('iris', 'v1', T0 + 1000, {
          author: 'alice', customProperties: { accuracy: { metadataType: 'MetadataDoubleValue', double_value: 0.97 } },
        }),
        version('iris', 'v3', T0 + 3000, { state: 'ARCHIVED' }),
      ],
    },
    {
      name: 'doc-newest', createTimeSinceEpoch: T0,
      versions: [version('doc-newest', 'v1', T0 + 1000, {
        artifacts: [
          model('doc-newest', 'v1', T0 + 1001),
          { name: 'readme', artifactType: 'doc-artifact', uri: uri('doc-newest', 'v1', 'readme'), createTimeSinceEpoch: T0 + 5000 },
        ],
      })],
    },
    {
      name: 'deleted-newest', createTimeSinceEpoch: T0,
      versions: [version('deleted-newest', 'v1', T0 + 1000, {
        artifacts: [
          model('deleted-newest', 'v1', T0 + 1001),
          model('deleted-newest', 'v1', T0 + 4000, { name: 'model-deleted', state: 'DELETED' }),
          model('deleted-newest', 'v1', T0 + 3000, { name: 'model-marked', state: 'MARKED_FOR_DELETION' }),
          model('deleted-newest', 'v1', T0 + 2000, { name: 'model-abandoned', state: 'ABANDONED' }),
        ],
      })],
    },
    { name: 'my model', createTimeSinceEpoch: T0, versions: [version('my model', 'v 1', T0 + 1000)] },
    { name: 'modèle-日本', createTimeSinceEpoch: T0, versions: [version('modèle-日本', 'версия 1', T0 + 1000)] },
    {
      name: 'paged', createTimeSinceEpoch: T0,
      versions: Array.from({ length: PAGED_VERSIONS }, (_, i) => {
        const n = i + 1;
        const name = `v${String(n).padStart(3, '0')}`;
        return version('paged', name, T0 + n * 1000, n > PAGED_LIVE ? { state: 'ARCHIVED' } : {});
      }),
    },
    {
      name: 'many-artifacts', createTimeSinceEpoch: T0,
      versions: [version('many-artifacts', 'v1', T0 + 1000, {
        artifacts: Array.from({ length: MANY_ARTIFACTS }, (_, i) => i === 0
          ? model('many-artifacts', 'v1', T0 + 1001, { name: 'good' })
          : model('many-artifacts', 'v1', T0 + 1001 + i, { name: `gone-${i}`, state: 'DELETED' })),
      })],
    },
    {
      name: 'tied', createTimeSinceEpoch: T0,
      versions: [
        version('tied', 'a', T0 + 1000, { id: '90000' }),
        version('tied', 'b', T0 + 1000, { id: '100000' }),
      ],
    },
    {
      name: 'lexical-time', createTimeSinceEpoch: T0,
      versions: [version('lexical-time', 'new', 1_000_000_000_000), version('lexical-time', 'old', 999_999_999_999)],
    },
    { name: 'no-versions', createTimeSinceEpoch: T0, versions: [] },
    {
      name: 'archived-only', createTimeSinceEpoch: T0,
      versions: [
        version('archived-only', 'v1', T0 + 1000, { state: 'ARCHIVED' }),
        version('archived-only', 'v2', T0 + 2000, { state: 'ARCHIVED' }),
      ],
    },
    { name: 'no-artifacts', createTimeSinceEpoch: T0, versions: [version('no-artifacts', 'v1', T0 + 1000, { artifacts: [] })] },
    {
      name: 'empty-uri', createTimeSinceEpoch: T0,
      versions: [version('empty-uri', 'v1', T0 + 1000, { artifacts: [model('empty-uri', 'v1', T0 + 1001, { uri: '' })] })],
    },
    {
      name: 'doc-only', createTimeSinceEpoch: T0,
      versions: [version('doc-only', 'v1', T0 + 1000, {
        artifacts: [{ name: 'readme', artifactType: 'doc-artifact', uri: uri('doc-only', 'v1', 'readme'), createTimeSinceEpoch: T0 + 1001 }],
      })],
    },
    {
      name: 'deleted-only', createTimeSinceEpoch: T0,
      versions: [version('deleted-only', 'v1', T0 + 1000, {
        artifacts: [model('deleted-only', 'v1', T0 + 1001, { state: 'DELETED' })],
      })],
    },
    { name: 'dup', createTimeSinceEpoch: T0, versions: [version('dup', 'v1', T0 + 1000)] },
    { name: 'dup', createTimeSinceEpoch: T0 + 1, versions: [version('dup', 'v1', T0 + 1000)] },
  ];
  return { models };
}
