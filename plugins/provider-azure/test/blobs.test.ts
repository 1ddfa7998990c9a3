/**
 * Listing and reading against Azurite through the real SDK: KServe's layout with the v1/v10 fix, folder
 * markers, odd names, ranges, ETag pinning, Content-MD5, and failures (missing container, a body cut mid-way).
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import provider from '../src/provider.js';
import { startAzurite, type AzuriteServer } from '../../../test/servers/azurite.js';
import { startCutProxy, type CutProxy } from './cut-proxy.js';
import { DEV_HOST, blobUri, failure, listAll, listPaths, makeCtx, readText, seedContainer } from './support.js';

let server: AzuriteServer;
let c: ContainerClient;

const env = (): Record<string, string> => ({ AZURE_STORAGE_BLOB_ENDPOINT: server.blobEndpoint, AZURE_STORAGE_ACCESS_KEY: server.accountKey });
const ctx = () => makeCtx(env());
const paths = (path: string) => listPaths(blobUri(c, path), ctx());

beforeAll(async () => {
  server = await startAzurite();
  c = await seedContainer(server, {
    'models/v1/model.onnx': 'v1 weights',
    'models/v1/sub/deeper/vocab.txt': 'vocab',
    'models/v10/model.onnx': 'v10 weights',
    'models/v1.bin': 'sibling file',
    'models/v2/': '', // a folder marker, as some tools create
    'models/v2/model.onnx': 'v2 weights',
    'models/adls': '', // an ADLS Gen2 directory blob (metadata below)
    'models/adls/model.onnx': 'adls weights',
    'models/empty-adls': '',
    'single/model.onnx': 'exact',
    'single/model.onnx.sig': 'signature',
    'odd/weird #1?%&+.bin': 'odd name',
    'odd/ünï cødé/模型.bin': 'unicode',
    'zero/empty.txt': '',
  }, { metadata: { 'models/adls': { hdi_isfolder: 'true' }, 'models/empty-adls': { hdi_isfolder: 'true' } } });
});

afterAll(async () => {
  await provider.close?.();
  await server?.close();
});

describe('listing', () => {
  test('prefix rule | models/v1 lists models/v1/ only: not models/v10/… nor models/v1.bin', async () => {
    expect(await paths('models/v1')).toEqual(['model.onnx', 'sub/deeper/vocab.txt']);
  });

  test('prefix rule | a trailing slash lists that folder and never falls back', async () => {
    expect(await paths('models/v1/')).toEqual(['model.onnx', 'sub/deeper/vocab.txt']);
    expect(await paths('models/v1.bin/')).toEqual([]);
  });

  test('prefix rule | an exact blob lands as its basename, without its longer-named siblings', async () => {
    expect(await paths('single/model.onnx')).toEqual(['model.onnx']);
    expect(await paths('models/v1.bin')).toEqual(['v1.bin']);
  });

  test('prefix rule | with no folder and no exact blob, the raw prefix is the fallback (KServe)', async () => {
    expect(await paths('models/v1.')).toEqual(['bin']);
    expect(await paths('single/model.onnx.')).toEqual(['sig']);
  });

  test('container root | every blob, paths relative to the container, markers skipped', async () => {
    const all = await listPaths(`https://${DEV_HOST}/${c.containerName}`, ctx());
    expect(all).toContain('models/v1/sub/deeper/vocab.txt');
    expect(all).toContain('odd/ünï cødé/模型.bin');
    expect(all).not.toContain('models/v2/');
    expect(all).not.toContain('models/adls');
    expect(all).toHaveLength(11);
  });

  test('folder markers | names ending in "/" are skipped', async () => {
    expect(await paths('models/v2')).toEqual(['model.onnx']);
  });

  test('folder markers | ADLS Gen2 directory blobs (hdi_isfolder) are skipped; the directory lists its files', async () => {
    expect(await paths('models/adls')).toEqual(['model.onnx']);
    expect(await paths('models/empty-adls')).toEqual([]);
  });

  test('names | "#", "?", "%", "&", "+", spaces and unicode survive listing and reading', async () => {
    const objects = await listAll(blobUri(c, 'odd'), ctx());
    expect(objects.map((o) => o.path).sort()).toEqual(['weird #1?%&+.bin', 'ünï cødé/模型.bin']);
    const texts = await Promise.all(objects.map((o) => readText(o, ctx())));
    expect(texts.sort()).toEqual(['odd name', 'unicode']);
  });

  test('zero-byte blobs | listed with size 0 (skipping them is the engine\'s KServe rule)', async () => {
    expect((await listAll(blobUri(c, 'zero'), ctx())).map((o) => [o.path, o.size])).toEqual([['empty.txt', 0]]);
  });

  test('RemoteObject | size, quoted ETag version, content type, Content-MD5 as hex', async () => {
    const [obj] = await listAll(blobUri(c, 'models/v1/model.onnx'), ctx());
    expect(obj).toMatchObject({ path: 'model.onnx', size: 10 });
    expect(obj!.version).toMatch(/^"0x[0-9A-F]+"$/);
    expect(typeof obj!.contentType).toBe('string');
    expect(obj!.checksums).toEqual([{ algorithm: 'md5', value: createHash('md5').update('v1 weights').digest('hex') }]);
  });

  test('RemoteObject | a blob committed from blocks has no Content-MD5, so no checksum', async () => {
    const blob = c.getBlockBlobClient('blocks/no-md5.bin');
    const blockId = Buffer.from('block-0').toString('base64');
    await blob.stageBlock(blockId, Buffer.from('from blocks'), 11);
    await blob.commitBlockList([blockId]);
    const [obj] = await listAll(blobUri(c, 'blocks/no-md5.bin'), ctx());
    expect(obj!.checksums).toBeUndefined();
    expect(await readText(obj!, ctx())).toBe('from blocks');
  });

  test('missing container | NotFound naming the container, not retryable', async () => {
    const error = await failure(() => listAll(`https://${DEV_HOST}/no-such-container/m`, ctx()));
    expect(error).toMatchObject({ kind: 'NotFound', retryable: false, status: 404 });
    expect(error.message).toMatch(/ContainerNotFound/);
    expect(error.hint).toMatch(/container/);
  });
});

describe('reading', () => {
  const big = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + 3) % 251));

  beforeAll(async () => {
    await c.getBlockBlobClient('big/blob.bin').uploadData(big);
  });

  test('ranged reads | the exact bytes of each range', async () => {
    const [obj] = await listAll(blobUri(c, 'big/blob.bin'), ctx());
    for (const [start, end] of [[0, 1], [1, 65_537], [199_999, 200_000], [123, 150_123]] as const) {
      const stream = await provider.read(obj!, { start, end }, ctx());
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(big.subarray(start, end))).toBe(true);
    }
  });

  test('ETag pinning | overwritten after listing → VersionChanged, not retryable, whole and ranged', async () => {
    const blob = c.getBlockBlobClient('pin/model.bin');
    await blob.uploadData(Buffer.from('version one'));
    const [obj] = await listAll(blobUri(c, 'pin/model.bin'), ctx());
    expect(await readText(obj!, ctx(), { start: 0, end: 7 })).toBe('version');
    await blob.uploadData(Buffer.from('version two!'));
    for (const range of [undefined, { start: 0, end: 4 }]) {
      const error = await failure(() => readText(obj!, ctx(), range));
      expect(error).toMatchObject({ kind: 'VersionChanged', retryable: false, status: 412 });
    }
    const [fresh] = await listAll(blobUri(c, 'pin/model.bin'), ctx());
    expect(await readText(fresh!, ctx())).toBe('version two!');
  });

  test('deleted after listing | NotFound, not VersionChanged', async () => {
    const blob = c.getBlockBlobClient('gone/model.bin');
    await blob.uploadData(Buffer.from('soon gone'));
    const [obj] = await listAll(blobUri(c, 'gone/model.bin'), ctx());
    await blob.delete();
    expect(await failure(() => readText(obj!, ctx()))).toMatchObject({ kind: 'NotFound', retryable: false });
  });

  test('abort | a read on an aborted signal fails as a retryable provider error', async () => {
    const [obj] = await listAll(blobUri(c, 'big/blob.bin'), ctx());
    const controller = new AbortController();
    controller.abort();
    const error = await failure(() => readText(obj!, { ...ctx(), signal: controller.signal }));
    expect(error).toMatchObject({ kind: 'Unavailable', retryable: true });
  });
});

describe('faults', () => {
  let proxy: CutProxy;

  beforeAll(async () => {
    await c.getBlockBlobClient('cut/blob.bin').uploadData(Buffer.alloc(300_000, 1));
    proxy = await startCutProxy(server.port, '/cut/blob.bin', 50_000);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  test('connection cut mid-body | the stream fails with a retryable error instead of ending short', async () => {
    const proxied = makeCtx({
      AZURE_STORAGE_BLOB_ENDPOINT: `http://127.0.0.1:${proxy.port}/${server.accountName}`, AZURE_STORAGE_ACCESS_KEY: server.accountKey,
    });
    const [obj] = await listAll(`https://${DEV_HOST}/${c.containerName}/cut/blob.bin`, proxied);
    const error = await failure(() => readText(obj!, proxied));
    expect(proxy.cuts).toBe(1);
    expect(['ContentIncomplete', 'Unavailable']).toContain(error.kind);
    expect(error.retryable).toBe(true);
    expect(error.message).not.toMatch(/: aborted$/);
  });
});
