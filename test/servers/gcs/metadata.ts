/**
 * A fake GCE metadata server (what GCE_METADATA_HOST points google-auth-library at): it records every request,
 * so a test can prove none arrive, and answers like the real one (Metadata-Flavor: Google) so ADC can get a
 * token from it, as on GKE with Workload Identity.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMetadataServer {
  /** 127.0.0.1:PORT, the form GCE_METADATA_HOST / GCE_METADATA_IP take. */
  host: string;
  requests: Array<{ method: string; path: string; flavor?: string }>;
  close(): Promise<void>;
}

/** Starts the server; `token()` supplies the access token handed out for the default service account. */
export async function startFakeMetadataServer(token: () => string, email = 'workload@test-project.iam.gserviceaccount.com'): Promise<FakeMetadataServer> {
  const requests: FakeMetadataServer['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    const flavor = req.headers['metadata-flavor'];
    requests.push({ method: req.method ?? 'GET', path: url.pathname, ...(typeof flavor === 'string' ? { flavor } : {}) });
    const reply = (status: number, body: string, type = 'application/text') => {
      res.writeHead(status, { 'Metadata-Flavor': 'Google', 'Content-Type': type });
      res.end(body);
    };
    if (flavor !== 'Google') return reply(403, 'Missing Metadata-Flavor:Google header.');
    const base = '/computeMetadata/v1';
    switch (url.pathname) {
      case `${base}/instance`:
      case `${base}/instance/`:
        return reply(200, JSON.stringify({ id: 1, zone: 'projects/1/zones/test-zone-a' }), 'application/json');
      case `${base}/project/project-id`:
        return reply(200, 'test-project');
      case `${base}/universe/universe-domain`:
        return reply(200, 'googleapis.com');
      case `${base}/instance/service-accounts/default/email`:
        return reply(200, email);
      case `${base}/instance/service-accounts/default/token`:
        return reply(200, JSON.stringify({ access_token: token(), expires_in: 3599, token_type: 'Bearer' }), 'application/json');
      default:
        return reply(404, 'Not Found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
