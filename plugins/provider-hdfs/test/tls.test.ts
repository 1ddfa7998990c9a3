/** HTTPS NameNode/DataNode: TLS_CA, TLS_SKIP_VERIFY, client certificates; and no secret in any log line. */
import { createTestPki, startWebHdfs, type TestPki, type WebHdfs } from '../../../test/servers/webhdfs/index.js';
import provider from '../src/provider.js';
import { failure, listAll, readAll, removeSecretDirs, secretContext } from './helpers.js';

let pki: TestPki;
let server: WebHdfs;
let mutual: WebHdfs;

beforeAll(async () => {
  pki = createTestPki();
  [server, mutual] = await Promise.all([
    startWebHdfs({ tls: { cert: pki.serverCert, key: pki.serverKey } }),
    startWebHdfs({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true } }),
  ]);
  for (const s of [server, mutual]) s.putFile('/secure/model.bin', Buffer.from('over tls'));
});

afterAll(async () => {
  await provider.close?.();
  await Promise.all([server.close(), mutual.close()]);
  await removeSecretDirs();
});

test('tls | TLS_CA verifies the NameNode and the DataNode it redirects to', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, TLS_CA: pki.ca });
  expect(server.url.startsWith('https://')).toBe(true);
  const [obj] = await listAll('hdfs://secure/model.bin', ctx);
  expect((await readAll(obj!, { start: 5, end: 8 }, ctx)).toString()).toBe('tls');
  expect(server.requests.some((r) => r.node === 'datanode')).toBe(true);
});

test('tls | an unknown CA is refused with InvalidConfig and a TLS_CA / TLS_SKIP_VERIFY hint', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url });
  const error = await failure(listAll('hdfs://secure', ctx));
  expect(error).toMatchObject({ kind: 'InvalidConfig', retryable: false });
  expect(error.hint).toContain('TLS_CA');
  expect(error.hint).toContain('TLS_SKIP_VERIFY');
});

test('tls | TLS_SKIP_VERIFY=true accepts an unverified certificate', async () => {
  const ctx = await secretContext({ HDFS_NAMENODE: server.url, TLS_SKIP_VERIFY: 'true' });
  const [obj] = await listAll('hdfs://secure/model.bin', ctx);
  expect((await readAll(obj!, undefined, ctx)).toString()).toBe('over tls');
});

test('tls | TLS_CERT and TLS_KEY are presented to a server that demands a client certificate', async () => {
  const without = await secretContext({ HDFS_NAMENODE: mutual.url, TLS_CA: pki.ca });
  const refused = await failure(listAll('hdfs://secure', without));
  expect(refused).toMatchObject({ kind: 'InvalidConfig', retryable: false });
  expect(refused.message).toContain('TLS handshake failed');
  expect(refused.hint).toContain('TLS_CERT/TLS_KEY');
  const ctx = await secretContext({ HDFS_NAMENODE: mutual.url, TLS_CA: pki.ca, TLS_CERT: pki.clientCert, TLS_KEY: pki.clientKey });
  const [obj] = await listAll('hdfs://secure/model.bin', ctx);
  expect((await readAll(obj!, undefined, ctx)).toString()).toBe('over tls');
});

test('logs | no HEADERS value, TLS_KEY or delegation token appears in any log line or error', async () => {
  const secrets = { header: 'hdr-secret-0x5f3759df', token: 'dt-secret-8c1f0e', key: pki.clientKey };
  const keyBody = pki.clientKey.split('\n')[1]!;
  const ctx = await secretContext({
    HDFS_NAMENODE: `http://127.0.0.1:1;${mutual.url}`, TLS_CA: pki.ca, TLS_CERT: pki.clientCert, TLS_KEY: pki.clientKey,
    HEADERS: JSON.stringify({ 'X-Api-Token': secrets.header }), HDFS_DELEGATION_TOKEN: secrets.token, KERBEROS_PRINCIPAL: 'svc@R',
  });
  const [obj] = await listAll('hdfs://secure/model.bin', ctx);
  await readAll(obj!, { start: 0, end: 4 }, ctx);
  mutual.putFile('/secure/locked/x.bin', Buffer.from('x'));
  mutual.deny('/secure/locked');
  const error = await failure(listAll('hdfs://secure/locked', ctx));
  expect(error.kind).toBe('PermissionDenied');
  const text = [...ctx.logger.lines, error.message, String(error.hint)].join('\n');
  // The debug lines ran: configuration, failover warning and requests were all logged.
  expect(text).toContain('hdfs: configuration');
  expect(text).toContain('X-Api-Token');
  expect(text).toContain('is ECONNREFUSED');
  for (const value of [secrets.header, secrets.token, keyBody]) expect(text).not.toContain(value);
});
