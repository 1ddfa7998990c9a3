/**
 * A TCP proxy on 127.0.0.1 in front of Azurite that cuts a connection after `cutAfter` bytes of the response
 * to a GET whose request line contains `marker`: a connection reset in the middle of a blob body.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface CutProxy {
  port: number;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

export async function startCutProxy(targetPort: number, marker: string, cutAfter: number): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const state = { cuts: 0 };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let armed = false;
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      // Keep-alive: the marked GET may follow other requests on the same connection.
      if (chunk.toString('latin1').startsWith('GET ') && chunk.includes(marker)) { armed = true; sent = 0; }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!armed) { client.write(chunk); return; }
      const room = cutAfter - sent;
      sent += chunk.length;
      if (room > chunk.length) { client.write(chunk); return; }
      state.cuts++;
      client.write(chunk.subarray(0, Math.max(0, room)), () => client.destroy());
      upstream.destroy();
    });
    const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get cuts() { return state.cuts; },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
