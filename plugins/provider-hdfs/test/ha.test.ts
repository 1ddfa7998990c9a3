/** NameNode HA: HDFS_NAMENODE lists several; standby or unreachable ones are skipped, the active one remembered. */
import { createServer } from 'node:net';
import { startWebHdfs, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import provider from '../src/provider.js';
import { failure, listAll, readAll, removeSecretDirs, secretContext } from './helpers.js';

let first: WebHdfs;
let second: WebHdfs;
let closedPort: number;

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  [first, second] = await Promise.all([startWebHdfs({ standby: true }), startWebHdfs()]);
  for (const s of [first, second]) s.putFile('/ha/model.bin', Buffer.from('active'));
  closedPort = await freePort();
});

beforeEach(() => {
  first.setStandby(true);
  second.setStandby(false);
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([first.close(), second.close()]);
  await removeSecretDirs();
});

test('ha | first NameNode standby, second active: list and read fail over, with a warning', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: `${first.url};${second.url}` });
  const objects = await listAll('hdfs://ha', ctx);
  expect(objects.map((o) => o.path)).toEqual(['model.bin']);
  expect((await readAll(objects[0]!, { start: 0, end: 6 }, ctx)).toString()).toBe('active');
  expect(first.requests.some((r) => r.op === 'GETFILESTATUS')).toBe(true);
  expect(second.requests.some((r) => r.node === 'datanode' && r.op === 'OPEN')).toBe(true);
  expect(ctx.logger.lines.some((l) => l.startsWith('warn') && l.includes(`NameNode ${first.namenode} is standby`))).toBe(true);
});

test('ha | the active NameNode is remembered: later calls go to it first', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: `${first.url};${second.url}`, USER_PROXY: 'remember' });
  await listAll('hdfs://ha', ctx);
  const standbyHits = first.requests.length;
  await listAll('hdfs://ha/model.bin', ctx);
  expect(first.requests.length).toBe(standbyHits);
});

test('ha | the remembered NameNode turning standby sends calls back to the other one', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: `${first.url};${second.url}`, USER_PROXY: 'flip' });
  await listAll('hdfs://ha', ctx);
  first.setStandby(false);
  second.setStandby(true);
  const before = first.requests.length;
  expect((await listAll('hdfs://ha', ctx)).map((o) => o.path)).toEqual(['model.bin']);
  expect(first.requests.length).toBeGreaterThan(before);
});

test('ha | first NameNode port closed: fails over to the second', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: `http://127.0.0.1:${closedPort};${second.url}` });
  const objects = await listAll('hdfs://ha', ctx);
  expect(objects.map((o) => o.path)).toEqual(['model.bin']);
  expect((await readAll(objects[0]!, undefined, ctx)).toString()).toBe('active');
  expect(ctx.logger.lines.some((l) => l.includes(`127.0.0.1:${closedPort} is ECONNREFUSED`))).toBe(true);
});

test('ha | no active NameNode: Unavailable, retryable, naming each NameNode', async () => {
  second.setStandby(true);
  const ctx = await secretContext({ HDFS_NAMENODE: `${first.url};http://127.0.0.1:${closedPort};${second.url}` });
  const error = await failure(listAll('hdfs://ha', ctx));
  expect(error).toMatchObject({ kind: 'Unavailable', retryable: true });
  expect(error.message).toContain(`${first.namenode} standby`);
  expect(error.message).toContain(`127.0.0.1:${closedPort} ECONNREFUSED`);
  expect(error.message).toContain(`${second.namenode} standby`);
  expect(error.hint).toContain('standby');
});

test('ha | a single unreachable NameNode is Unavailable and retryable', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: `127.0.0.1:${closedPort}` });
  expect(await failure(listAll('hdfs://ha', ctx))).toMatchObject({ kind: 'Unavailable', retryable: true });
});
