import { gzipSync } from 'node:zlib';
import { archiveKind, kindFromMagic, type ArchiveKind } from '../../src/transfer/archive/index.js';
import { buildTar, buildZip } from '../support/archive-fixtures.js';

describe('archiveKind', () => {
  test.each<[string, string | undefined, ArchiveKind | undefined]>([
    // by name, case-insensitive
    ['model.tar', undefined, 'tar'],
    ['model.tar.gz', undefined, 'tar.gz'],
    ['MODEL.TGZ', undefined, 'tar.gz'],
    ['model.tar.bz2', undefined, 'tar.bz2'],
    ['model.tbz2', undefined, 'tar.bz2'],
    ['model.tar.xz', undefined, 'tar.xz'],
    ['model.TXZ', undefined, 'tar.xz'],
    ['model.zip', undefined, 'zip'],
    ['Model.Zip', 'application/octet-stream', 'zip'],
    // not archives
    ['model.gz', undefined, undefined],
    ['model.gz', 'application/gzip', undefined],
    ['model.bz2', 'application/x-bzip2', undefined],
    ['model.xz', 'application/x-xz', undefined],
    ['model.onnx', undefined, undefined],
    ['model.tar.gz.sha256', undefined, undefined],
    ['model.zipper', undefined, undefined],
    ['zip', undefined, undefined],
    ['.tar', undefined, undefined],
    ['model.bin', 'application/octet-stream', undefined],
    ['model', undefined, undefined],
    ['model', 'text/plain', undefined],
    // by content type
    ['model', 'application/x-tar', 'tar'],
    ['download', 'application/zip', 'zip'],
    ['download', 'application/x-zip-compressed', 'zip'],
    ['download', 'Application/Zip; charset=binary', 'zip'],
    ['download', 'application/x-compressed-tar', 'tar.gz'],
    ['download', 'application/x-gtar', 'tar'],
    ['download', 'application/gzip', undefined],
    ['model.tar.gz.part', 'application/gzip', 'tar.gz'],
    ['weights.tar', 'application/x-gzip', 'tar'],
    ['model.tar.bz2.1', 'application/x-bzip2', 'tar.bz2'],
    ['model.tar.xz.1', 'application/x-xz', 'tar.xz'],
  ])('archiveKind | %j with content type %j is %j', (name, type, expected) => {
    expect(archiveKind(name, type)).toBe(expected);
  });
});

describe('kindFromMagic', () => {
  test('kindFromMagic | recognises each format by its leading bytes', () => {
    const tar = buildTar([{ path: 'a', data: Buffer.from('x') }]);
    expect(kindFromMagic(tar)).toBe('tar');
    expect(kindFromMagic(gzipSync(tar))).toBe('tar.gz');
    expect(kindFromMagic(Buffer.from('BZh91AY&SY'))).toBe('tar.bz2');
    expect(kindFromMagic(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]))).toBe('tar.xz');
    expect(kindFromMagic(buildZip([{ name: 'a', data: Buffer.from('x') }]))).toBe('zip');
    expect(kindFromMagic(buildZip([]))).toBe('zip');
  });

  test('kindFromMagic | unknown, short or near-miss input is undefined', () => {
    expect(kindFromMagic(Buffer.alloc(0))).toBeUndefined();
    expect(kindFromMagic(Buffer.from('hello world'))).toBeUndefined();
    expect(kindFromMagic(Buffer.from('BZh0'))).toBeUndefined();
    expect(kindFromMagic(Buffer.from('PK\u0003\u0006'))).toBeUndefined();
    expect(kindFromMagic(Buffer.alloc(600))).toBeUndefined();
  });
});
