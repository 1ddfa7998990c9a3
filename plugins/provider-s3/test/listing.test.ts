import { createHash } from 'node:crypto';
import provider from '../src/provider.js';
import { startS3rver, type S3rverHandle } from '../../../test/servers/s3rver.js';
import { caught, listAll, listPaths, s3rverContext, s3Uri, seed } from './helpers.js';

const BUCKET = 'listing';
const ROOT_BUCKET = 'whole-bucket';
let server: S3rverHandle;
const warnings: string[] = [];
const ctx = () => ({ ...s3rverContext(server), logger: { debug() {}, info() {}, warn: (m: string) => void warnings.push(m) } });
const bytes = (n: number, fill = 7) => Buffer.alloc(n, fill);

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET, ROOT_BUCKET] });
  await seed(server, BUCKET, {
    'exact/model.onnx': bytes(10),
    'exact/model.onnx.bak': bytes(11),
    'exact/model.onnx2/x.bin': bytes(12),
    'tree/a.txt': bytes(3),
    'tree/sub/b.bin': bytes(4),
    'tree/sub/deeper/c.bin': bytes(5),
    'models/v1/model.bin': bytes(6),
    'models/v1/config/c.json': bytes(7),
    'models/v10/model.bin': bytes(8),
    'models/v1.json': bytes(9),
    'raw/model-a.bin': bytes(10),
    'raw/model-b.bin': bytes(11),
    'marker-only/v2/': Buffer.alloc(0),
    'marker-only/v20/x.bin': bytes(2),
    'markers/dir/': Buffer.alloc(0),
    'markers/dir/file.bin': bytes(13),
    'markers/empty.txt': Buffer.alloc(0),
  });
  await seed(server, ROOT_BUCKET, { 'a.bin': bytes(1), 'b/': Buffer.alloc(0), 'b/c.bin': bytes(2) });
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

test('list | pagination: a prefix with more than 1000 keys is listed completely', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 1005; i++) files[`many/k${String(i).padStart(4, '0')}.bin`] = Buffer.from(String(i));
  await seed(server, BUCKET, files, 8);
  const paths = await listPaths(provider, s3Uri(BUCKET, 'many'), ctx());
  expect(paths).toHaveLength(1005);
  expect(paths[0]).toBe('k0000.bin');
  expect(paths[1004]).toBe('k1004.bin');
  expect(new Set(paths).size).toBe(1005);
});

test('list | an exact key yields that object alone, named by its basename', async () => {
  const objects = await listAll(provider, s3Uri(BUCKET, 'exact/model.onnx'), ctx());
  expect(objects.map((o) => [o.path, o.size])).toEqual([['model.onnx', 10]]);
  expect(objects[0]!.location).toBe(`${BUCKET}/exact/model.onnx`);
});

test('list | a prefix yields paths relative to it, nested folders included', async () => {
  expect(await listPaths(provider, s3Uri(BUCKET, 'tree'), ctx())).toEqual(['a.txt', 'sub/b.bin', 'sub/deeper/c.bin']);
  expect(await listPaths(provider, s3Uri(BUCKET, 'tree/'), ctx())).toEqual(['a.txt', 'sub/b.bin', 'sub/deeper/c.bin']);
  expect(await listPaths(provider, s3Uri(BUCKET, 'tree/sub'), ctx())).toEqual(['b.bin', 'deeper/c.bin']);
});

test('list | models/v1 does not pull models/v10/… or models/v1.json (kserve#3776)', async () => {
  expect(await listPaths(provider, s3Uri(BUCKET, 'models/v1'), ctx())).toEqual(['config/c.json', 'model.bin']);
  expect(await listPaths(provider, s3Uri(BUCKET, 'models/v10'), ctx())).toEqual(['model.bin']);
});

test('list | with no folder of that name, the raw prefix is listed as KServe does, with a warning', async () => {
  warnings.length = 0;
  expect(await listPaths(provider, s3Uri(BUCKET, 'raw/model-'), ctx())).toEqual(['a.bin', 'b.bin']);
  expect(warnings.join('\n')).toContain('raw prefix');
});

test('list | a folder holding only its marker is a folder: no fallback to the raw prefix', async () => {
  expect(await listPaths(provider, s3Uri(BUCKET, 'marker-only/v2'), ctx())).toEqual([]);
});

test('list | folder markers are skipped; zero-byte objects are listed with size 0', async () => {
  const objects = await listAll(provider, s3Uri(BUCKET, 'markers'), ctx());
  expect(objects.map((o) => [o.path, o.size]).sort()).toEqual([['dir/file.bin', 13], ['empty.txt', 0]]);
});

test('list | the bucket root lists every key with its full path', async () => {
  expect(await listPaths(provider, new URL(`s3://${ROOT_BUCKET}`), ctx())).toEqual(['a.bin', 'b/c.bin']);
  expect(await listPaths(provider, new URL(`s3://${ROOT_BUCKET}/`), ctx())).toEqual(['a.bin', 'b/c.bin']);
});

test('list | s3a:// is an alias, and leading slashes in the path are dropped as KServe does', async () => {
  expect(await listPaths(provider, s3Uri(BUCKET, 'tree/sub', 's3a'), ctx())).toEqual(['b.bin', 'deeper/c.bin']);
  expect(await listPaths(provider, new URL(`s3://${BUCKET}//tree/sub`), ctx())).toEqual(['b.bin', 'deeper/c.bin']);
});

test('list | a single-part ETag becomes the md5 checksum and the version', async () => {
  const [obj] = await listAll(provider, s3Uri(BUCKET, 'tree/a.txt'), ctx());
  const md5 = createHash('md5').update(bytes(3)).digest('hex');
  expect(obj!.checksums).toEqual([{ algorithm: 'md5', value: md5 }]);
  expect(obj!.version).toBe(`"${md5}"`);
});

test('list | nothing under a prefix yields nothing; a URI without a bucket is InvalidConfig', async () => {
  expect(await listPaths(provider, s3Uri(BUCKET, 'no/such/prefix'), ctx())).toEqual([]);
  const error = await caught(() => listAll(provider, new URL('s3:///key'), ctx()));
  expect(error.kind).toBe('InvalidConfig');
});
