/**
 * `model-registry://` URIs: `model`, `model/version`, `host[:port]/model`, `host[:port]/model/version`,
 * each optionally followed by `?namespace=<ns>`. Parsing is pure and deterministic (no network): a
 * two-segment URI is read as host/model only when its first segment looks like a host (design §5).
 */
import { isIPv6 } from 'node:net';
import { ErrInvalidMRURI } from '../errors.js';

/** A parsed `model-registry://` URI. */
export interface ModelRegistryRef {
  /** The URI exactly as given. */
  raw: string;
  /** Registry host named in the URI (IPv6 without brackets); absent when the configured registry is used. */
  host?: string;
  /** Registry port named in the URI; absent means the scheme's default port. */
  port?: number;
  /** Registered model name, percent-decoded once. */
  model: string;
  /** Model version name, percent-decoded once; absent means the latest LIVE version. */
  version?: string;
  /** Kubernetes namespace of the registry Service (`?namespace=`). */
  namespace?: string;
  /**
   * First segment of a two-segment URI that could also be read as a host: set when the model/version
   * reading is chosen but the segment is a valid DNS label, so the resolver may try `host/model` when
   * the model is not found.
   */
  alternateHost?: string;
}

const SCHEME = 'model-registry:';
const NAMESPACE_RE = /^[a-zA-Z0-9_-]+$/;
const DNS_LABEL_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const SEGMENT_LABELS = [['model'], ['first (model or host)', 'second (version or model)'], ['host', 'model', 'version']];
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** True for any URI with the `model-registry:` scheme (malformed ones included, so parsing can say what is wrong). */
export function isModelRegistryUri(uri: string): boolean {
  return uri.slice(0, SCHEME.length).toLowerCase() === SCHEME;
}

/**
 * Parses a `model-registry://` URI. Two segments are host/model only when the first segment (as written)
 * contains `.` or `:` or is `localhost`; percent-encode a dot (`%2E`) to force the model/version reading.
 * @throws ErrInvalidMRURI naming the part that is wrong.
 */
export function parseModelRegistryUri(uri: string): ModelRegistryRef {
  const fail = (what: string): ErrInvalidMRURI => new ErrInvalidMRURI(`invalid Model Registry URI "${uri}": ${what}`);
  if (!isModelRegistryUri(uri)) throw fail('it must start with model-registry://');
  let rest = uri.slice(SCHEME.length);
  if (!rest.startsWith('//')) throw fail('expected "//" after "model-registry:"');
  rest = rest.slice(2);

  if (rest.includes('#')) throw fail('a fragment ("#...") is not allowed; percent-encode "#" in names as %23');
  let namespace: string | undefined;
  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    namespace = parseQuery(rest.slice(queryAt + 1), fail);
    rest = rest.slice(0, queryAt);
  }

  if (rest === '') throw fail('the model name is missing');
  const segments = rest.split('/');
  if (segments.length > 3) {
    throw fail(`it has ${segments.length} path segments; at most 3 are allowed (host[:port]/model/version)`);
  }
  const labels = SEGMENT_LABELS[segments.length - 1]!;
  segments.forEach((segment, i) => {
    if (segment === '') throw fail(`the ${labels[i]} segment is empty`);
  });

  const ref: ModelRegistryRef = { raw: uri, model: '' };
  if (namespace !== undefined) ref.namespace = namespace;
  let names: string[];
  if (segments.length === 3 || (segments.length === 2 && looksLikeHost(segments[0]!))) {
    const { host, port } = parseHostPort(segments[0]!, fail);
    ref.host = host;
    if (port !== undefined) ref.port = port;
    names = segments.slice(1);
  } else {
    names = segments;
  }
  const decoded = names.map((segment, i) => decodeName(segment, i === 0 ? 'model' : 'version', fail));
  ref.model = decoded[0]!;
  if (decoded[1] !== undefined) ref.version = decoded[1];

  if (segments.length === 2 && ref.host === undefined && DNS_LABEL_RE.test(segments[0]!)) {
    ref.alternateHost = segments[0]!;
  }
  return ref;
}

function looksLikeHost(rawSegment: string): boolean {
  return rawSegment.includes('.') || rawSegment.includes(':') || rawSegment.toLowerCase() === 'localhost';
}

function decodeName(segment: string, label: string, fail: (what: string) => ErrInvalidMRURI): string {
  let value: string;
  try {
    value = decodeURIComponent(segment);
  } catch {
    throw fail(`the ${label} segment "${segment}" has an invalid percent-encoding`);
  }
  if (CONTROL_RE.test(value)) throw fail(`the ${label} segment "${segment}" contains a control character`);
  if (value.trim() === '') throw fail(`the ${label} segment "${segment}" is blank`);
  return value;
}

function parseHostPort(segment: string, fail: (what: string) => ErrInvalidMRURI): { host: string; port?: number } {
  let host: string;
  let portText: string | undefined;
  if (segment.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(segment);
    if (!m || !isIPv6(m[1]!)) throw fail(`the host "${segment}" is not a valid bracketed IPv6 address`);
    host = m[1]!;
    portText = m[2];
  } else {
    const parts = segment.split(':');
    if (parts.length > 2) throw fail(`the host "${segment}" has more than one ":" (write IPv6 addresses in brackets)`);
    host = parts[0]!;
    portText = parts[1];
    if (host === '') throw fail(`the host segment "${segment}" has an empty host name`);
    if (host.length > 253 || !HOSTNAME_RE.test(host)) {
      throw fail(`the host "${host}" is not a valid host name (letters, digits, "-" and "." only)`);
    }
  }
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw fail(`the port "${portText}" of host "${host}" is not a number between 1 and 65535`);
  }
  return { host, port: Number(portText) };
}

function parseQuery(query: string, fail: (what: string) => ErrInvalidMRURI): string | undefined {
  let namespace: string | undefined;
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq < 0 ? piece : piece.slice(0, eq);
    const key = safeDecode(rawKey) ?? rawKey;
    if (key !== 'namespace') throw fail(`unknown query parameter "${key}"; only "namespace" is supported`);
    if (namespace !== undefined) throw fail('the namespace parameter is given more than once');
    const value = eq < 0 ? '' : safeDecode(piece.slice(eq + 1));
    if (value === undefined || !NAMESPACE_RE.test(value)) {
      throw fail(`the namespace "${value ?? piece.slice(eq + 1)}" is invalid (it must match ${NAMESPACE_RE.source})`);
    }
    namespace = value;
  }
  return namespace;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
