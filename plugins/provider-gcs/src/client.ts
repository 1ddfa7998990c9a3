/**
 * Builds the @google-cloud/storage client lazily: the SDK costs ~0.2 s to import, so only a gs:// download
 * pays it. One client per distinct configuration, memoised.
 */
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { resolveAuth, type AuthMode } from './auth.js';
import type { GcsOptions } from './options.js';

/** Packages this provider imports at runtime; a test checks them against package.json. */
export const SDK_DEPENDENCIES = ['@google-cloud/storage'] as const;

/** A ready client and the identity it uses (error hints depend on it). */
export interface GcsClient {
  storage: Storage;
  authMode: AuthMode;
}

let sdk: Promise<typeof import('@google-cloud/storage')> | undefined;
const clients = new Map<string, Promise<GcsClient>>();

/** The client for these options, built on first use. */
export function getClient(options: GcsOptions): Promise<GcsClient> {
  const key = JSON.stringify(options);
  let client = clients.get(key);
  if (client === undefined) {
    client = buildClient(options);
    clients.set(key, client);
    // A failed build (unreadable key file, …) is not cached: the next call reports it afresh.
    client.catch(() => clients.delete(key));
  }
  return client;
}

/** Forgets every client; the SDK pools sockets per process, nothing else needs closing. */
export function clearClients(): void {
  clients.clear();
}

async function buildClient(options: GcsOptions): Promise<GcsClient> {
  sdk ??= import('@google-cloud/storage');
  const [{ Storage }, auth] = await Promise.all([sdk, resolveAuth(options.credentialsFile, options.useAdc, options.requestTimeoutMs)]);
  const storageOptions: StorageOptions = {
    apiEndpoint: options.endpoint,
    // Without this the SDK sends no credentials at all to a custom endpoint (a private endpoint needs them).
    useAuthWithCustomEndpoint: true,
    // One attempt: the engine retries and resumes, so SDK retries would only multiply attempts.
    retryOptions: { autoRetry: false, maxRetries: 0 },
    timeout: options.requestTimeoutMs,
    // The SDK types authClient as google-auth-library's AuthClient; it only calls getRequestHeaders() on it.
    ...(auth.authClient ? { authClient: auth.authClient as unknown as StorageOptions['authClient'] } : {}),
    ...(auth.keyFilename ? { keyFilename: auth.keyFilename } : {}),
  };
  const storage = withoutEmulatorVariable(() => new Storage(storageOptions));
  // The SDK's own keep-alive pool (`forever`) is destroyed whole whenever one download stream fails or is
  // destroyed, which leaves every other in-flight part hanging. Node's global agent (keep-alive on Node 20)
  // pools as well, and the SDK then has no agent to destroy.
  storage.interceptors.push({
    request: (reqOpts) => ({ ...reqOpts, forever: false }) as ReturnType<Storage['interceptors'][number]['request']>,
  });
  return { storage, authMode: auth.mode };
}

/**
 * The SDK reads process.env.STORAGE_EMULATOR_HOST itself and, when set, uses it verbatim as the API base,
 * overriding apiEndpoint. The options already hold that value, normalised (with or without /storage/v1,
 * as Python clients write it), so the variable is hidden while the constructor runs (synchronously).
 */
function withoutEmulatorVariable<T>(build: () => T): T {
  const saved = process.env.STORAGE_EMULATOR_HOST;
  if (saved === undefined) return build();
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    return build();
  } finally {
    process.env.STORAGE_EMULATOR_HOST = saved;
  }
}

