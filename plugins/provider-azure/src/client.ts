/**
 * Builds the Azure SDK clients lazily. The SDKs are imported on first use only (`import type` at the top),
 * so starting mr-init, `--help` or a run against another backend never loads them; @azure/identity is
 * loaded only when an Entra ID credential is chosen.
 */
import type * as BlobSdk from '@azure/storage-blob';
import type * as IdentitySdk from '@azure/identity';
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import type { AccessPlan, CredentialPlan } from './credentials.js';
import { providerError } from './errors.js';

/** npm packages this provider imports at runtime (checked against package.json by a guard test). */
export const SDK_DEPENDENCIES = ['@azure/storage-blob', '@azure/identity'] as const;

let blobSdk: Promise<typeof BlobSdk> | undefined;
let identitySdk: Promise<typeof IdentitySdk> | undefined;

/** @azure/storage-blob, imported once. */
export function loadBlobSdk(): Promise<typeof BlobSdk> {
  return (blobSdk ??= importSdk(() => import('@azure/storage-blob'), '@azure/storage-blob'));
}

/** @azure/identity, imported once and only for token credentials. */
export function loadIdentitySdk(): Promise<typeof IdentitySdk> {
  return (identitySdk ??= importSdk(() => import('@azure/identity'), '@azure/identity'));
}

async function importSdk<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw providerError('InvalidConfig', `azure: cannot load ${name}: ${(error as Error).message}`,
      { hint: `Reinstall @mr-init/provider-azure so that ${name} is present.` });
  }
}

/** The engine retries (and resumes); SDK retries would multiply attempts and hide the real failure. */
const PIPELINE_OPTIONS: StoragePipelineOptions = {
  retryOptions: { maxTries: 1 },
  userAgentOptions: { userAgentPrefix: 'mr-init' },
};

/** A built credential: what the SDK signs with, plus a SAS to append to the service URL. */
export interface BuiltCredential {
  credential: BlobSdk.StorageSharedKeyCredential | BlobSdk.AnonymousCredential | TokenCredential;
  sas?: string;
}

/** Turns a plan into an SDK credential object. No network: token credentials fetch tokens on first use. */
export async function createCredential(plan: CredentialPlan): Promise<BuiltCredential> {
  const sdk = await loadBlobSdk();
  switch (plan.method) {
    case 'uri-sas':
    case 'sas':
      return { credential: new sdk.AnonymousCredential(), sas: plan.sas };
    case 'connection-string':
      return plan.accountKey !== undefined
        ? { credential: new sdk.StorageSharedKeyCredential(plan.accountName, plan.accountKey) }
        : { credential: new sdk.AnonymousCredential(), sas: plan.sas! };
    case 'account-key':
      return { credential: new sdk.StorageSharedKeyCredential(plan.accountName, plan.accountKey) };
    case 'anonymous':
      return { credential: new sdk.AnonymousCredential() };
    case 'client-secret': {
      const identity = await loadIdentitySdk();
      return { credential: new identity.ClientSecretCredential(plan.tenantId, plan.clientId, plan.clientSecret, authority(plan)) };
    }
    case 'workload-identity': {
      const identity = await loadIdentitySdk();
      return {
        credential: new identity.WorkloadIdentityCredential({
          tenantId: plan.tenantId, clientId: plan.clientId, tokenFilePath: plan.tokenFilePath, ...authority(plan),
        }),
      };
    }
    case 'managed-identity': {
      const identity = await loadIdentitySdk();
      return { credential: new identity.ManagedIdentityCredential({ clientId: plan.clientId }) };
    }
  }
}

function authority(plan: { authorityHost?: string }): { authorityHost?: string } {
  return plan.authorityHost === undefined ? {} : { authorityHost: plan.authorityHost };
}

/** A ContainerClient for the plan's service URL, container and credential (the SAS stays inside the client). */
export async function createContainerClient(access: AccessPlan): Promise<ContainerClient> {
  const sdk = await loadBlobSdk();
  const { credential, sas } = await createCredential(access.credential);
  const url = sas === undefined ? access.location.serviceUrl : `${access.location.serviceUrl}?${sas}`;
  return new sdk.BlobServiceClient(url, credential, PIPELINE_OPTIONS).getContainerClient(access.location.container);
}
