/** Which proxy, if any, a URL goes through: HTTP(S)_PROXY and NO_PROXY as curl and Python's requests read them. */
import { isIPv4 } from 'node:net';
import type { HttpOptions } from './options.js';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!isIPv4(host) || !isIPv4(net) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(host) & mask) === (ipv4ToInt(net) & mask);
}

/** Splits `host:port`, `[v6]:port`, `v6` or `host` into its parts (a bare IPv6 address has no port). */
function splitEntry(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(':');
    return { host, port };
  }
  return { host: entry };
}

/**
 * True when `url` must bypass the proxy. NO_PROXY is a comma (or space) list of: `*` (everything), host
 * names matching the host and its subdomains (`example.com`, `.example.com` and `*.example.com` all match
 * `a.example.com` and `example.com`), optionally with `:port`, IP addresses and IPv4 CIDR ranges.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    const { host: entryHost, port: entryPort } = splitEntry(entry);
    if (entryPort && entryPort !== port) continue;
    const name = entryHost.replace(/^\*?\.+/, '');
    if (name && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** The proxy URL for `url`, or undefined to connect directly. A proxy given without a scheme is http://. */
export function proxyFor(url: URL, options: Pick<HttpOptions, 'httpProxy' | 'httpsProxy' | 'noProxy'>): string | undefined {
  const proxy = url.protocol === 'https:' ? options.httpsProxy : options.httpProxy;
  if (!proxy || bypassesProxy(url, options.noProxy)) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
