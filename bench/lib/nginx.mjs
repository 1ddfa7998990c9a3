// nginx (Debian's) as a child of the bench, on 127.0.0.1 and a free port, serving the fixture folder
// twice: /fast/ as fast as it can, /capped/ at 64 MiB/s per connection (nginx's `limit_rate`, which
// applies per request and is the shape of object stores that cap each connection, e.g. S3).
import { spawn } from 'node:child_process';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const CAP = '64m';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export function nginxConf({ prefix, dataDir, port }) {
  return `# written by bench/lib/nginx.mjs
daemon off;
worker_processes auto;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/octet-stream;
  types { }
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  gzip off;
  server {
    listen 127.0.0.1:${port};
    location /fast/ { alias ${dataDir}/; }
    location /capped/ { alias ${dataDir}/; limit_rate ${CAP}; }
  }
}
`;
}

/** Starts nginx; resolves `{ baseUrl, conf, stop() }` once it answers. `stop()` always ends it. */
export async function startNginx({ prefix, dataDir, log }) {
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const conf = nginxConf({ prefix, dataDir, port });
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, conf);
  // -e: the error log before the configuration is read (else /var/log/nginx/error.log); -p: temp paths.
  const child = spawn('/usr/sbin/nginx', ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', confPath],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const stop = async () => {
    if (exited) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const done = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
    if (!done) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  for (let i = 0; i < 100; i++) {
    if (exited) break;
    if (await canConnect(port)) {
      log?.(`nginx on 127.0.0.1:${port} (pid ${child.pid}, config ${confPath})`);
      return { baseUrl: `http://127.0.0.1:${port}`, conf, stop, pid: child.pid };
    }
    await sleep(50);
  }
  await stop();
  const errorLog = await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
  throw new Error(`nginx did not start: ${(stderr + errorLog).trim().split('\n').slice(-3).join(' | ')}`);
}
