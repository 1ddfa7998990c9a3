/**
 * Every kustomize directory renders with `kubectl kustomize`; each ClusterStorageContainer validates
 * against KServe's own CRD schema, its container against the Kubernetes Container schema, and its
 * securityContext meets Pod Security "restricted".
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';
import { Container } from 'kubernetes-models/v1/Container';
import { REPO_ROOT } from '../support/cli.js';

const KUSTOMIZE = join(REPO_ROOT, 'manifests/kustomize');
// A verbatim copy of KServe's CRD (see fixtures/PROVENANCE.md), checked against its recorded hash.
const CRD = join(REPO_ROOT, 'test/manifests/fixtures/clusterstoragecontainers.crd.yaml');
const CRD_SHA256 = '47ec2b6caeeb0c210d8be3138ed7d391f74043e3ed779177d36ceb4aa2a5d288';

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, any> }

function render(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJSON() as K8sObject).filter(Boolean);
}

function crdValidator() {
  const text = readFileSync(CRD, 'utf8');
  if (createHash('sha256').update(text).digest('hex') !== CRD_SHA256) throw new Error(`${CRD} is not KServe's verbatim CRD (see fixtures/PROVENANCE.md)`);
  const crd = parse(text);
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Kubernetes' integer formats: the value must be a whole number.
  for (const format of ['int32', 'int64']) ajv.addFormat(format, { type: 'number', validate: Number.isInteger });
  return ajv.compile(version.schema.openAPIV3Schema);
}

/** The container-level rules of Pod Security Standards "restricted". */
function restrictedViolations(container: Record<string, any>): string[] {
  const sc = container.securityContext ?? {};
  const problems: string[] = [];
  if (sc.runAsNonRoot !== true) problems.push('runAsNonRoot must be true');
  if (sc.runAsUser === 0) problems.push('runAsUser must not be 0');
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation must be false');
  if (sc.privileged === true) problems.push('privileged must not be true');
  const drop: string[] = sc.capabilities?.drop ?? [];
  if (!drop.includes('ALL')) problems.push('capabilities.drop must include ALL');
  const add: string[] = sc.capabilities?.add ?? [];
  if (add.some((c) => c !== 'NET_BIND_SERVICE')) problems.push('capabilities.add may only hold NET_BIND_SERVICE');
  if (!['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type)) problems.push('seccompProfile.type must be RuntimeDefault or Localhost');
  if (sc.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem must be true (the image writes only to DEST and /tmp)');
  return problems;
}

const validateCsc = crdValidator();

describe('manifests', () => {
  test.each(['options/csi', 'overlays/full', 'samples'])('kustomize | %s renders', (dir) => {
    expect(render(dir).length).toBeGreaterThan(0);
  });

  test.each(['options/csi', 'overlays/full'])('kustomize | %s: each ClusterStorageContainer validates against the CRD, the Container schema and "restricted"', (dir) => {
    const cscs = render(dir).filter((o) => o.kind === 'ClusterStorageContainer');
    expect(cscs.length).toBeGreaterThan(0);
    for (const csc of cscs) {
      const ok = validateCsc(csc);
      expect(validateCsc.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(() => new Container(csc.spec.container).validate()).not.toThrow();
      expect(restrictedViolations(csc.spec.container)).toEqual([]);
      expect(csc.spec.container.securityContext.runAsUser).toBe(65532);
      expect(csc.spec.supportsMultiModelDownload).toBe(true);
      expect(csc.spec.workloadType).toBe('initContainer');
      expect(csc.spec.container.resources).toEqual({ requests: { memory: '100Mi', cpu: '100m' }, limits: { memory: '1Gi', cpu: '1' } });
    }
  });

  test('kustomize | the base routes model-registry:// to mr-init and points at the registry Service', () => {
    const [csc] = render('options/csi');
    expect(csc!.spec.supportedUriFormats).toEqual([{ prefix: 'model-registry://' }]);
    const env = Object.fromEntries(csc!.spec.container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.MODEL_REGISTRY_BASE_URL).toBe('model-registry-service.kubeflow.svc.cluster.local:8080');
    expect(env.MODEL_REGISTRY_SCHEME).toBe('http');
  });

  test('kustomize | the full overlay adds the token file, the CA bundle, plain storage URIs and the image override', () => {
    const objects = render('overlays/full');
    const byName = Object.fromEntries(objects.map((o) => [o.metadata.name, o]));
    const env = Object.fromEntries(byName['mr-init']!.spec.container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.MODEL_REGISTRY_TOKEN_FILE).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(env.MODEL_REGISTRY_CA_FILE).toBe('/etc/ssl/custom-certs/cabundle.crt');
    const storage = byName['mr-init-storage']!;
    expect(storage.spec.supportedUriFormats).toEqual(expect.arrayContaining([{ prefix: 's3://' }, { prefix: 'gs://' }]));
    for (const o of objects) expect(o.spec.container.image).toBe('registry.example.com/ml/mr-init:0.1.0');
  });

  test('kustomize | the samples use model-registry:// storage URIs', () => {
    const uris = render('samples').map((o) => o.spec.predictor.model.storageUri);
    expect(uris).toEqual(['model-registry://iris/v1', 'model-registry://model-registry-service.team-a.svc.cluster.local:8080/iris/v1']);
  });

  test('kustomize | the validators catch a broken ClusterStorageContainer', () => {
    const [csc] = render('options/csi');
    const broken = structuredClone(csc!);
    broken.spec.supportedUriFormats = 'model-registry://';
    expect(validateCsc(broken)).toBe(false);
    const badContainer = { ...csc!.spec.container, resources: { limits: { memory: { much: true } } } };
    expect(() => new Container(badContainer).validate()).toThrow();
    expect(restrictedViolations({ securityContext: { runAsNonRoot: true } })).toHaveLength(4);
  });
});
