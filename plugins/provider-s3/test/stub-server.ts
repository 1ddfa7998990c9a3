/**
 * A tiny HTTP server on 127.0.0.1 that answers every request with what a test tells it, so the real SDK
 * parses real S3 error responses (412, 503 SlowDown, 500, 301, …) that s3rver never sends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StubHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StubServer {
  endpoint: string;
  /** Every request seen, as `METHOD url`. */
  requests: string[];
  /** Headers of every request seen. */
  headers: IncomingMessage['headers'][];
  setHandler(handler: StubHandler): void;
  close(): Promise<void>;
}

/** An S3 error document, as S3 sends it. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    '<RequestId>stub-request</RequestId><HostId>stub-host</HostId></Error>';
}

/** Sends an S3 error response. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = s3ErrorXml(code, message);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export async function startStub(handler: StubHandler = (_req, res) => sendError(res, 500, 'InternalError', 'stub')): Promise<StubServer> {
  let current = handler;
  const requests: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    headers.push(req.headers);
    // Drain the request body before answering, as a real server does.
    req.resume();
    req.on('end', () => current(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    headers,
    setHandler(next) {
      current = next;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
