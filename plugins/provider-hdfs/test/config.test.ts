/** Configuration as KServe mounts it: the secret dir, STORAGE_CONFIG, validation, Kerberos and delegation tokens. */
import { startWebHdfs, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import { loadHdfsOptions } from '../src/options.js';
import provider from '../src/provider.js';
import { context, failure, listAll, readAll, removeSecretDirs, secretContext, secretDir } from './helpers.js';

let server: WebHdfs;
let secured: WebHdfs;
const TOKEN = 'HAAEaGRmcwAAAIoBjdelegation-token-value';

beforeAll(async () => {
  [server, secured] = await Promise.all([startWebHdfs(), startWebHdfs({ delegationToken: TOKEN })]);
  for (const s of [server, secured]) s.putFile('/m/model.bin', Buffer.from('weights'));
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server.close(), secured.close()]);
  await removeSecretDirs();
});

const empty = (env: Record<string, string>, settings: Record<string, unknown> = {}) => ({ env, settings });

test('config | every KServe key is read from the files in HDFS_SECRET_DIR, trimmed', async () => {
  const dir = await secretDir({
    HDFS_NAMENODE: 'https://nn1:9871;nn2:9870\n', USER_PROXY: 'alice\n', HDFS_ROOTPATH: '/models', TLS_SKIP_VERIFY: 'True',
    HEADERS: '{"x-a": "1"}', N_THREADS: '4', TLS_CA: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n', IGNORED: 'x',
  });
  const options = await loadHdfsOptions(empty({ HDFS_SECRET_DIR: dir }));
  expect(options.namenodes.map((u) => u.href)).toEqual(['https://nn1:9871/', 'http://nn2:9870/']);
  expect(options).toMatchObject({
    userProxy: 'alice', rootPath: '/models', tlsSkipVerify: true, headers: { 'x-a': '1' }, nThreads: 4,
    tlsCa: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
  });
});

test('config | STORAGE_CONFIG of type hdfs overrides the secret dir; keys in any case; file keys are base64', async () => {
  const dir = await secretDir({ HDFS_NAMENODE: 'http://old:1', USER_PROXY: 'kept' });
  const pem = '-----BEGIN CERTIFICATE-----\nxyz\n-----END CERTIFICATE-----\n';
  const env = {
    HDFS_SECRET_DIR: dir,
    STORAGE_CONFIG: JSON.stringify({ type: 'webhdfs', hdfs_namenode: 'http://new:2', TLS_CA: Buffer.from(pem).toString('base64') }),
    STORAGE_OVERRIDE_CONFIG: JSON.stringify({ hdfs_rootpath: '/over' }),
  };
  const options = await loadHdfsOptions(empty(env));
  expect(options.namenodes.map((u) => u.host)).toEqual(['new:2']);
  expect(options).toMatchObject({ userProxy: 'kept', tlsCa: pem, rootPath: '/over' });
});

test('config | STORAGE_CONFIG of another type is ignored; the core settings override everything', async () => {
  const dir = await secretDir({ HDFS_NAMENODE: 'http://secret:1' });
  const env = { HDFS_SECRET_DIR: dir, STORAGE_CONFIG: JSON.stringify({ type: 's3', HDFS_NAMENODE: 'http://s3:1' }) };
  expect((await loadHdfsOptions(empty(env))).namenodes[0]!.host).toBe('secret:1');
  expect((await loadHdfsOptions(empty(env, { Hdfs_Namenode: 'http://settings:3', n_threads: 3 }))).namenodes[0]!.host).toBe('settings:3');
});

test('config | invalid settings fail with InvalidConfig naming the key, never echoing a secret', async () => {
  const kind = async (files: Record<string, string>, env: Record<string, string> = {}) => {
    const error = await failure(loadHdfsOptions(empty({ HDFS_SECRET_DIR: await secretDir(files), ...env })));
    expect(error.kind).toBe('InvalidConfig');
    return error.message;
  };
  expect(await kind({})).toContain('HDFS_NAMENODE is not set');
  expect(await kind({ HDFS_NAMENODE: 'hdfs://nn:8020' })).toContain('not http or https');
  expect(await kind({ HDFS_NAMENODE: 'http://nn:1', N_THREADS: 'many' })).toContain('N_THREADS');
  expect(await kind({ HDFS_NAMENODE: 'http://nn:1', TLS_CERT: 'cert-only' })).toContain('TLS_CERT and TLS_KEY');
  const headers = await kind({ HDFS_NAMENODE: 'http://nn:1', HEADERS: '{"Authorization": "Bearer s3cr3t-value"' });
  expect(headers).toContain('HEADERS is not a JSON object');
  expect(headers).not.toContain('s3cr3t-value');
  const missing = await failure(loadHdfsOptions(empty({ HDFS_SECRET_DIR: '/nonexistent/hdfscreds' })));
  expect(missing).toMatchObject({ kind: 'InvalidConfig' });
  expect(missing.message).toContain('HDFS_SECRET_DIR');
});

test('config | without HDFS_SECRET_DIR the KServe mount path is used, and its absence means no HDFS_NAMENODE', async () => {
  const error = await failure(listAll('hdfs://m', context({})));
  expect(error.kind).toBe('InvalidConfig');
  expect(error.message).toContain('/var/secrets/kserve-hdfscreds');
});

test('kerberos | configured without a token: InvalidConfig that says SPNEGO is unsupported and what works instead', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: secured.url, KERBEROS_PRINCIPAL: 'svc@EXAMPLE.COM', KERBEROS_KEYTAB: '\u0005\u0002binary' });
  const before = secured.requests.length;
  const error = await failure(listAll('hdfs://m', ctx));
  expect(error).toMatchObject({ kind: 'InvalidConfig', retryable: false });
  expect(error.message).toContain('Kerberos');
  expect(error.message).toContain('SPNEGO');
  expect(error.hint).toContain('HDFS_DELEGATION_TOKEN');
  expect(error.hint).toContain('`delegation` parameter');
  expect(error.hint).toContain('HEADERS');
  expect(secured.requests.length).toBe(before);
});

test('kerberos | with HDFS_DELEGATION_TOKEN the token is the identity (delegation + doas) and the keytab is ignored', async () => {
  const ctx = await secretContext({
    HDFS_NAMENODE: secured.url, KERBEROS_PRINCIPAL: 'svc@EXAMPLE.COM', KERBEROS_KEYTAB: 'kt', HDFS_DELEGATION_TOKEN: `${TOKEN}\n`, USER_PROXY: 'alice',
  });
  const before = secured.requests.length;
  const [obj] = await listAll('hdfs://m/model.bin', ctx);
  expect((await readAll(obj!, undefined, ctx)).toString()).toBe('weights');
  const nn = secured.requests.slice(before).filter((r) => r.node === 'namenode');
  for (const r of nn) expect(r.query).toMatchObject({ delegation: TOKEN, doas: 'alice' });
  expect(nn.every((r) => r.query['user.name'] === undefined)).toBe(true);
  expect(ctx.logger.lines.join('\n')).not.toContain(TOKEN);
});

test('kerberos | a token in HEADERS (X-Hadoop-Delegation-Token) also satisfies Kerberos', async () => {
  const ctx = await secretContext({
    HDFS_NAMENODE: secured.url, KERBEROS_PRINCIPAL: 'svc@EXAMPLE.COM', HEADERS: JSON.stringify({ 'X-Hadoop-Delegation-Token': TOKEN }),
  });
  expect((await listAll('hdfs://m', ctx)).map((o) => o.path)).toEqual(['model.bin']);
});

test('auth | a secured cluster answering 401 Negotiate is PermissionDenied, not a confusing failure', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: secured.url });
  const error = await failure(listAll('hdfs://m', ctx));
  expect(error).toMatchObject({ kind: 'PermissionDenied', status: 401, retryable: false });
  expect(error.hint).toContain('delegation token');
});
