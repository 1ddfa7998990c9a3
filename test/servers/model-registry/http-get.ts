/** A minimal GET for the test registry's own tests: no client library, no keep-alive, raw answer. */
import http from 'node:http';

export interface RawReply {
  status: number;
  contentType?: string;
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown;
}

export function httpGet(base: string, path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<RawReply> {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // plain text stays text
        }
        resolve({ status: res.statusCode ?? 0, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}), body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
