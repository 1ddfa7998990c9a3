/** Ranged OPEN through the NameNode's 307, the version check policy, and server errors mapped to kinds. */
import { startWebHdfs, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import { toProviderError } from '../src/errors.js';
import provider from '../src/provider.js';
import { failure, listAll, readAll, removeSecretDirs, secretContext } from './helpers.js';

let server: WebHdfs;
const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251));

beforeAll(async () => {
  server = await startWebHdfs();
  server.putFile('/data/blob.bin', bytes);
  server.putFile('/data/changing.bin', Buffer.from('first'));
  server.putFile('/data/resumed.bin', Buffer.from('0123456789'));
  server.putFile('/data/locked/x.bin', Buffer.from('x'));
  server.deny('/data/locked');
});

afterEach(() => server.setFault(undefined));

afterAll(async () => {
  await provider.close?.();
  await server.close();
  await removeSecretDirs();
});

test('read | a range is OPEN offset/length at the NameNode, followed by 307 to the DataNode', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const [obj] = await listAll('hdfs://data/blob.bin', ctx);
  const before = server.requests.length;
  const got = await readAll(obj!, { start: 1000, end: 4321 }, ctx);
  expect(got.equals(bytes.subarray(1000, 4321))).toBe(true);
  const opens = server.requests.slice(before).filter((r) => r.op === 'OPEN');
  expect(opens.map((r) => [r.node, r.query.offset, r.query.length])).toEqual([
    ['namenode', '1000', '3321'],
    ['datanode', '1000', '3321'],
  ]);
  expect(opens[1]!.query.namenoderpcaddress).toBeDefined();
});

test('read | the whole file without a range, and an empty range without a request', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const [obj] = await listAll('hdfs://data/blob.bin', ctx);
  expect((await readAll(obj!, undefined, ctx)).equals(bytes)).toBe(true);
  const before = server.requests.length;
  expect((await readAll(obj!, { start: 5, end: 5 }, ctx)).length).toBe(0);
  expect(server.requests.length).toBe(before);
});

test('read | version is checked on parts starting at 0 and on the first read of an object, not on every part', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const [obj] = await listAll('hdfs://data/resumed.bin', ctx);
  const stats = (): number => server.requests.filter((r) => r.op === 'GETFILESTATUS' && r.path === '/data/resumed.bin').length;
  const afterList = stats();
  // A resumed download whose first part is done: its first read here starts at 4 and still checks once.
  expect((await readAll(obj!, { start: 4, end: 7 }, ctx)).toString()).toBe('456');
  expect(stats()).toBe(afterList + 1);
  expect((await readAll(obj!, { start: 7, end: 10 }, ctx)).toString()).toBe('789');
  expect(stats()).toBe(afterList + 1);
  expect((await readAll(obj!, { start: 0, end: 4 }, ctx)).toString()).toBe('0123');
  expect(stats()).toBe(afterList + 2);
});

test('read | a file rewritten since it was listed fails with VersionChanged, not retryable', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const [obj] = await listAll('hdfs://data/changing.bin', ctx);
  server.putFile('/data/changing.bin', Buffer.from('other'));
  const error = await failure(readAll(obj!, { start: 0, end: 5 }, ctx));
  expect(error).toMatchObject({ kind: 'VersionChanged', retryable: false });
});

test('errors | a missing file: OPEN fails with NotFound, with the op and path in the message', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const error = await failure(readAll({ path: 'gone.bin', size: 3, location: '/data/gone.bin' }, undefined, ctx));
  expect(error).toMatchObject({ kind: 'NotFound', retryable: false, status: 404 });
  expect(error.message).toContain('OPEN /data/gone.bin');
  expect(error.message).toContain('FileNotFoundException');
});

test('errors | a URL that is not WebHDFS (404 without RemoteException) is InvalidConfig pointing at HDFS_NAMENODE', async () => {
  // The path prefix of HDFS_NAMENODE is kept (gateways such as Knox serve WebHDFS below one); here it is wrong.
  const ctx = await secretContext({ HDFS_NAMENODE: `${server.url}/gateway/default` });
  const error = await failure(listAll('hdfs://data', ctx));
  expect(error).toMatchObject({ kind: 'InvalidConfig', status: 404 });
  expect(error.hint).toContain('HDFS_NAMENODE');
});

test('errors | AccessControlException is PermissionDenied with a USER_PROXY / delegation token hint', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const error = await failure(listAll('hdfs://data/locked', ctx));
  expect(error).toMatchObject({ kind: 'PermissionDenied', retryable: false, status: 403 });
  expect(error.hint).toContain('USER_PROXY');
  expect(error.hint).toContain('delegation token');
});

test('errors | 5xx from the NameNode is Unavailable and retryable, through both transports', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  server.setFault({ status: 503, exception: 'RetriableException' });
  // GETFILESTATUS goes through the webhdfs client (which calls a 503 an "Unexpected redirect").
  expect(await failure(listAll('hdfs://data', ctx))).toMatchObject({ kind: 'Unavailable', retryable: true, status: 503 });
  server.setFault({ status: 500, exception: 'IOException' });
  const error = await failure(readAll({ path: 'blob.bin', size: bytes.length, location: '/data/blob.bin' }, { start: 0, end: 10 }, ctx));
  expect(error).toMatchObject({ kind: 'Unavailable', retryable: true, status: 500 });
});

test('errors | kinds by exception name, status and socket code', () => {
  const at = { op: 'OPEN', path: '/p', node: 'nn:1' };
  const kind = (f: object): [string, boolean] => {
    const e = toProviderError({ ...at, ...f });
    return [e.kind, e.retryable];
  };
  expect(kind({ status: 404, exception: 'FileNotFoundException' })).toEqual(['NotFound', false]);
  expect(kind({ status: 404, stage: 'datanode' })).toEqual(['NotFound', false]);
  expect(kind({ status: 404, stage: 'namenode' })).toEqual(['InvalidConfig', false]);
  expect(kind({ status: 403, exception: 'AccessControlException' })).toEqual(['PermissionDenied', false]);
  expect(kind({ status: 403, exception: 'SecurityException' })).toEqual(['PermissionDenied', false]);
  expect(kind({ status: 401 })).toEqual(['PermissionDenied', false]);
  expect(kind({ status: 403, exception: 'StandbyException' })).toEqual(['Unavailable', true]);
  expect(kind({ status: 429 })).toEqual(['RateLimited', true]);
  expect(kind({ status: 502 })).toEqual(['Unavailable', true]);
  expect(kind({ code: 'ECONNREFUSED' })).toEqual(['Unavailable', true]);
  expect(kind({ code: 'ECONNRESET' })).toEqual(['Unavailable', true]);
  expect(kind({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toEqual(['InvalidConfig', false]);
  expect(kind({ status: 400, exception: 'IllegalArgumentException' })).toEqual(['Unexpected', false]);
});
