/**
 * Azure Blob URIs → account, service URL, container and path. Forms:
 *   https://<account>.blob.core.windows.net/<container>/<path>       (also sovereign-cloud suffixes, privatelink)
 *   https://<account>.z<N>.blob.storage.azure.net/<container>/<path>  (Azure DNS zone endpoints)
 *   wasb[s]://<container>@<account>.blob.core.windows.net/<path>      (Hadoop; always fetched over https)
 *   abfs[s]://<container>@<account>.dfs.core.windows.net/<path>       (ADLS Gen2; read through the blob endpoint)
 *   https://<account>.dfs.core.windows.net/<container>/<path>         (ADLS Gen2 URL; same mapping)
 *   <blobEndpoint>/<container>/<path>  when an endpoint override is set: Azurite's path-style
 *                                       http://127.0.0.1:PORT/<account>/<container>/<path>, custom domains.
 * A SAS in the query (`sig=`) is returned apart, never kept in the service URL or any location string.
 */
import { providerError } from './errors.js';

/** Where a URI points. */
export interface AzureLocation {
  /** Storage account name ('' when neither the URI nor the endpoint shows it). */
  account: string;
  /** Blob service URL, no trailing slash, no query: https://acct.blob.core.windows.net or http://127.0.0.1:P/acct */
  serviceUrl: string;
  container: string;
  /** Decoded blob path or prefix, '' for the container root; a trailing '/' means "a folder, nothing else". */
  path: string;
  /** SAS from the URI's query, without '?'. */
  sas?: string;
}

const HADOOP_SCHEMES = new Set(['wasb', 'wasbs', 'abfs', 'abfss']);
/** Host suffixes of Azure blob/dfs endpoints (public, China, US Gov, DNS-zone endpoints). */
const AZURE_HOST = /^([a-z0-9]+)\.(?:[a-z0-9-]+\.)*?(?:blob|dfs)\.(?:core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net|storage\.azure\.net)$/;

/** Parses an Azure Blob URI; `blobEndpoint` (the override) also enables path-style URIs under it. */
export function parseAzureUri(uri: URL, blobEndpoint?: string): AzureLocation {
  const scheme = uri.protocol.replace(/:$/, '').toLowerCase();
  const sas = sasOf(uri);
  if (HADOOP_SCHEMES.has(scheme)) return parseHadoop(uri, scheme, sas);
  if (scheme !== 'http' && scheme !== 'https') throw invalid(uri, `unsupported scheme ${scheme}://`);

  const host = uri.hostname.toLowerCase();
  if (blobEndpoint !== undefined) {
    const endpoint = new URL(blobEndpoint);
    const base = endpoint.pathname.replace(/\/+$/, '');
    if (uri.origin === endpoint.origin && (uri.pathname === base || uri.pathname.startsWith(`${base}/`))) {
      const { container, path } = splitContainer(uri, uri.pathname.slice(base.length));
      return withSas({ account: accountOfEndpoint(endpoint), serviceUrl: blobEndpoint, container, path }, sas);
    }
  }
  const match = AZURE_HOST.exec(host);
  if (!match) {
    throw invalid(uri, 'the host is not an Azure Blob endpoint',
      'Use https://<account>.blob.core.windows.net/<container>/<path>; for Azurite or a custom domain set ' +
      'AZURE_STORAGE_BLOB_ENDPOINT to the service URL the URI starts with.');
  }
  const { container, path } = splitContainer(uri, uri.pathname);
  return withSas({ account: match[1]!, serviceUrl: `${uri.protocol}//${blobHost(host)}`, container, path }, sas);
}

/** The account a blob service URL serves: the first path segment for path-style hosts, else the first label. */
export function accountOfEndpoint(endpoint: URL): string {
  if (isPathStyleHost(endpoint.hostname)) return decodeURIComponent(endpoint.pathname.split('/')[1] ?? '');
  const match = AZURE_HOST.exec(endpoint.hostname.toLowerCase());
  if (match) return match[1]!;
  // Azurite's "product style" (http://devstoreaccount1.blob.localhost:10000) names the account first too;
  // a custom domain does not, so leave it to AZURE_STORAGE_ACCOUNT.
  return /\.blob\.localhost$/i.test(endpoint.hostname) ? endpoint.hostname.split('.')[0]! : '';
}

/** The URI as shown in messages and logs: no query (it may be a SAS), no credentials. */
export function displayUri(uri: URL): string {
  const copy = new URL(uri.href);
  copy.search = '';
  copy.hash = '';
  copy.password = '';
  return copy.href;
}

function parseHadoop(uri: URL, scheme: string, sas: string | undefined): AzureLocation {
  const host = uri.hostname.toLowerCase();
  if (host === '') throw invalid(uri, 'no account in the host', `Use ${scheme}://<container>@<account>.blob.core.windows.net/<path>.`);
  let container: string;
  let path: string;
  if (uri.username !== '') {
    container = decode(uri, uri.username);
    path = decode(uri, uri.pathname.replace(/^\//, ''));
  } else {
    // Not Hadoop's form, but unambiguous: wasbs://<account>.blob.core.windows.net/<container>/<path>.
    ({ container, path } = splitContainer(uri, uri.pathname));
  }
  checkContainer(uri, container);
  const match = AZURE_HOST.exec(host);
  // A bare account name (wasbs://c@myaccount/p) means the public cloud, as Hadoop's default suffix does.
  const account = match ? match[1]! : host.split('.')[0]!;
  const serviceHost = match ? blobHost(host) : `${account}.blob.core.windows.net`;
  // wasb:// and abfs:// are Hadoop's plain-text variants; we still use TLS (a SAS would travel in clear).
  return withSas({ account, serviceUrl: `https://${serviceHost}`, container, path }, sas);
}

/** ADLS Gen2 (dfs) hosts serve the same data through the blob endpoint of the same account. */
function blobHost(host: string): string {
  return host.replace(/\.dfs\./, '.blob.');
}

function splitContainer(uri: URL, pathname: string): { container: string; path: string } {
  const rest = pathname.replace(/^\/+/, '');
  const slash = rest.indexOf('/');
  const container = decode(uri, slash < 0 ? rest : rest.slice(0, slash));
  const path = slash < 0 ? '' : decode(uri, rest.slice(slash + 1));
  checkContainer(uri, container);
  return { container, path };
}

function checkContainer(uri: URL, container: string): void {
  if (container === '') {
    throw invalid(uri, 'no container in the URI', 'Name the container: https://<account>.blob.core.windows.net/<container>/<path>.');
  }
}

function isPathStyleHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === 'host.docker.internal' || host.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

function sasOf(uri: URL): string | undefined {
  return uri.searchParams.has('sig') ? uri.search.replace(/^\?/, '') : undefined;
}

function withSas(location: AzureLocation, sas: string | undefined): AzureLocation {
  return sas === undefined ? location : { ...location, sas };
}

function decode(uri: URL, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(uri, 'it has a malformed %-escape');
  }
}

function invalid(uri: URL, why: string, hint?: string): Error {
  return providerError('InvalidConfig', `azure: cannot use ${displayUri(uri)}: ${why}`, hint ? { hint } : {});
}
