/** Paths (host-as-path, HDFS_ROOTPATH), recursive listing with LISTSTATUS_BATCH paging, identity and headers. */
import { startWebHdfs, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import provider from '../src/provider.js';
import { resolveHdfsPath, uriPath } from '../src/paths.js';
import { failure, listAll, readAll, removeSecretDirs, secretContext } from './helpers.js';

let server: WebHdfs;
let legacy: WebHdfs;

beforeAll(async () => {
  [server, legacy] = await Promise.all([startWebHdfs({ batchSize: 2 }), startWebHdfs({ batch: false })]);
  for (const s of [server, legacy]) {
    s.putFile('/user/me/m/model.onnx', Buffer.from('onnx'));
    s.putFile('/user/me/m/config.json', Buffer.from('{}'));
    s.putFile('/user/me/m/variables/data-0', Buffer.from('d0'));
    s.putFile('/user/me/m/variables/index', Buffer.from('ix'));
    s.putFile('/user/me/m/variables/deep/er', Buffer.from('e'));
    s.mkdir('/user/me/m/empty-dir');
  }
  server.putFile('/models/team/m/w.bin', Buffer.from('root-joined'));
  server.putFile('/user/svc/rel/team/m/w.bin', Buffer.from('home-joined'));
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server.close(), legacy.close()]);
  await removeSecretDirs();
});

const MODEL = ['config.json', 'model.onnx', 'variables/data-0', 'variables/deep/er', 'variables/index'];

test('paths | the URI host is the first path segment, as in KServe', () => {
  expect(resolveHdfsPath(uriPath(new URL('hdfs://user/me/m')), undefined)).toBe('/user/me/m');
  expect(resolveHdfsPath(uriPath(new URL('webhdfs://user/me/m/')), undefined)).toBe('/user/me/m');
  expect(resolveHdfsPath(uriPath(new URL('hdfs://user/me/a%20b/%C3%BC')), undefined)).toBe('/user/me/a b/ü');
  expect(resolveHdfsPath(uriPath(new URL('hdfs://user/me/m')), '/models')).toBe('/models/user/me/m');
  expect(resolveHdfsPath(uriPath(new URL('hdfs:///abs/m')), '/models')).toBe('/abs/m');
  expect(resolveHdfsPath(uriPath(new URL('hdfs://team/m')), 'rel', '/user/svc')).toBe('/user/svc/rel/team/m');
  // The URL parser resolves dot segments below the host, so a URI cannot climb out of its first segment.
  expect(resolveHdfsPath(uriPath(new URL('hdfs://a/../../etc')), '/models')).toBe('/models/a/etc');
});

test('paths | a URI naming host:port is refused with InvalidConfig, not read as a path', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const error = await failure(listAll('webhdfs://namenode:9870/user/me/m', ctx));
  expect(error.kind).toBe('InvalidConfig');
  expect(error.hint).toContain('HDFS_NAMENODE');
});

test('list | hdfs://user/me/m lists /user/me/m recursively, paths relative to it, directories yield nothing', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.namenode });
  const objects = await listAll('hdfs://user/me/m', ctx);
  expect(objects.map((o) => o.path).sort()).toEqual(MODEL);
  const model = objects.find((o) => o.path === 'model.onnx')!;
  expect(model).toMatchObject({ size: 4, location: '/user/me/m/model.onnx' });
  expect(model.version).toMatch(/^\d+-4$/);
  expect(server.requests.some((r) => r.op === 'GETFILESTATUS' && r.path === '/user/me/m')).toBe(true);
});

test('list | a file URI yields the file under its basename', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const objects = await listAll('webhdfs://user/me/m/variables/index', ctx);
  expect(objects.map((o) => [o.path, o.size, o.location])).toEqual([['index', 2, '/user/me/m/variables/index']]);
  expect((await readAll(objects[0]!, undefined, ctx)).toString()).toBe('ix');
});

test('list | LISTSTATUS_BATCH pages with startAfter until remainingEntries is 0', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const before = server.requests.length;
  await listAll('hdfs://user/me/m', ctx);
  const pages = server.requests.slice(before).filter((r) => r.op === 'LISTSTATUS_BATCH' && r.path === '/user/me/m');
  // 4 entries (config.json, empty-dir, model.onnx, variables) at 2 per page: 2 pages.
  expect(pages.map((r) => r.query.startAfter)).toEqual([undefined, 'empty-dir']);
  expect(server.requests.slice(before).some((r) => r.op === 'LISTSTATUS')).toBe(false);
});

test('list | a server without LISTSTATUS_BATCH (Hadoop < 2.8) is listed with LISTSTATUS through the webhdfs client', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: legacy.url });
  const objects = await listAll('hdfs://user/me/m', ctx);
  expect(objects.map((o) => o.path).sort()).toEqual(MODEL);
  const ops = legacy.requests.map((r) => r.op);
  expect(ops.filter((op) => op === 'LISTSTATUS_BATCH')).toHaveLength(1);
  expect(ops.filter((op) => op === 'LISTSTATUS').length).toBeGreaterThanOrEqual(3);
});

test('list | a missing path yields nothing', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  expect(await listAll('hdfs://user/me/nothing', ctx)).toEqual([]);
});

test('paths | HDFS_ROOTPATH is joined to the URI path', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, HDFS_ROOTPATH: '/models' });
  const objects = await listAll('hdfs://team/m', ctx);
  expect(objects.map((o) => o.location)).toEqual(['/models/team/m/w.bin']);
  expect((await readAll(objects[0]!, undefined, ctx)).toString()).toBe('root-joined');
});

test('paths | a relative HDFS_ROOTPATH is under the home directory (GETHOMEDIRECTORY)', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, HDFS_ROOTPATH: 'rel', USER_PROXY: 'svc' });
  const objects = await listAll('hdfs://team/m', ctx);
  expect(objects.map((o) => o.location)).toEqual(['/user/svc/rel/team/m/w.bin']);
  expect(server.requests.some((r) => r.op === 'GETHOMEDIRECTORY' && r.query['user.name'] === 'svc')).toBe(true);
});

test('identity | USER_PROXY is the user.name under simple auth, on every NameNode request', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, USER_PROXY: 'alice' });
  const before = server.requests.length;
  const [obj] = await listAll('hdfs://user/me/m/model.onnx', ctx);
  await readAll(obj!, { start: 1, end: 3 }, ctx);
  const seen = server.requests.slice(before).filter((r) => r.node === 'namenode');
  expect(seen.length).toBeGreaterThanOrEqual(2);
  for (const r of seen) {
    expect(r.query['user.name']).toBe('alice');
    expect(r.query.doas).toBeUndefined();
  }
});

test('identity | with HADOOP_USER_NAME, USER_PROXY is sent as doas', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, USER_PROXY: 'alice' });
  const withUser = { ...ctx, env: { ...ctx.env, HADOOP_USER_NAME: 'svc' } };
  const before = server.requests.length;
  await listAll('hdfs://user/me/m/model.onnx', withUser);
  const r = server.requests.slice(before).find((x) => x.op === 'GETFILESTATUS')!;
  expect(r.query).toMatchObject({ 'user.name': 'svc', doas: 'alice' });
});

test('headers | HEADERS go to the NameNode and DataNode; Authorization is not sent to the other origin', async () => {
  const ctx = await secretContext({
    HDFS_NAMENODE: server.url,
    HEADERS: JSON.stringify({ 'x-my-container': 'blue', Authorization: 'Bearer gateway-token-123' }),
  });
  const before = server.requests.length;
  const [obj] = await listAll('hdfs://user/me/m/config.json', ctx);
  expect((await readAll(obj!, undefined, ctx)).toString()).toBe('{}');
  const seen = server.requests.slice(before);
  for (const r of seen.filter((x) => x.node === 'namenode')) {
    expect(r.headers['x-my-container']).toBe('blue');
    expect(r.headers.authorization).toBe('Bearer gateway-token-123');
  }
  const dn = seen.filter((x) => x.node === 'datanode');
  expect(dn).toHaveLength(1);
  expect(dn[0]!.headers['x-my-container']).toBe('blue');
  expect(dn[0]!.headers.authorization).toBeUndefined();
});
