import { createHash } from 'node:crypto';
import provider from '../src/provider.js';
import { checksumsFromHeaders, md5FromEtag } from '../src/checksums.js';
import { listAll, s3rverContext, s3Uri } from './helpers.js';
import { sendError, startStub, type StubServer } from './stub-server.js';

let stub: StubServer;
const bytes = Buffer.from('multipart object bytes');
const sha256 = createHash('sha256').update(bytes).digest();

beforeAll(async () => {
  stub = await startStub();
});

afterAll(async () => {
  await provider.close?.();
  await stub?.close();
});

test('checksums | a single-part ETag is an md5 (quoted, unquoted or weak); multipart and odd ETags are not', () => {
  const md5 = '5eb63bbbe01eeed093cb22bb8f5acdc3';
  for (const etag of [`"${md5}"`, md5, `W/"${md5}"`, `"${md5.toUpperCase()}"`]) {
    expect(md5FromEtag(etag)).toEqual({ algorithm: 'md5', value: md5 });
  }
  for (const etag of [`"${md5}-3"`, '"abc"', '', undefined, `"${md5}0"`]) expect(md5FromEtag(etag)).toBeUndefined();
});

test('checksums | x-amz-checksum-* values become lowercase hex; COMPOSITE and part-count values are skipped', () => {
  const crc = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
  expect(checksumsFromHeaders({ ChecksumCRC32: crc.toString('base64'), ChecksumSHA256: sha256.toString('base64'), ChecksumType: 'FULL_OBJECT' }))
    .toEqual([{ algorithm: 'crc32', value: 'deadbeef' }, { algorithm: 'sha256', value: sha256.toString('hex') }]);
  expect(checksumsFromHeaders({ ChecksumCRC32C: crc.toString('base64') })).toEqual([{ algorithm: 'crc32c', value: 'deadbeef' }]);
  expect(checksumsFromHeaders({ ChecksumCRC32: crc.toString('base64'), ChecksumType: 'COMPOSITE' })).toEqual([]);
  expect(checksumsFromHeaders({ ChecksumSHA1: `${crc.toString('base64')}-4` })).toEqual([]);
});

test('checksums | a multipart object whose listing declares a checksum gets it from one HEAD with ChecksumMode', async () => {
  const listing = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>' +
    `<Contents><Key>m/big.bin</Key><Size>${bytes.length}</Size><ETag>"0123456789abcdef0123456789abcdef-2"</ETag>` +
    '<ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType></Contents>' +
    `<Contents><Key>m/plain.bin</Key><Size>3</Size><ETag>"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2"</ETag></Contents></ListBucketResult>`;
  stub.setHandler((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(listing) });
      return res.end(listing);
    }
    if (req.method === 'HEAD' && req.url?.startsWith('/bkt/m/big.bin') && req.headers['x-amz-checksum-mode'] === 'ENABLED') {
      res.writeHead(200, {
        'content-length': bytes.length, etag: '"0123456789abcdef0123456789abcdef-2"',
        'x-amz-checksum-sha256': sha256.toString('base64'), 'x-amz-checksum-type': 'FULL_OBJECT',
      });
      return res.end();
    }
    sendError(res, 400, 'InvalidRequest', 'unexpected');
  });
  const before = stub.requests.length;
  const objects = await listAll(provider, s3Uri('bkt', 'm/'), s3rverContext(stub));
  expect(objects.map((o) => [o.path, o.checksums])).toEqual([
    ['big.bin', [{ algorithm: 'sha256', value: sha256.toString('hex') }]],
    ['plain.bin', undefined],
  ]);
  // One listing and one HEAD: objects without a declared checksum cost nothing extra.
  expect(stub.requests.slice(before).map((r) => r.split(' ')[0])).toEqual(['GET', 'HEAD']);
  expect(stub.headers.at(-1)!['if-match']).toBe('"0123456789abcdef0123456789abcdef-2"');
});
