/**
 * Test-only archive builders: a tiny zip writer (STORED and deflate, any raw name, unix modes, forged
 * CRCs) and a raw tar writer on node-tar's Header (any path, type and mode, including hostile ones),
 * plus helpers to build a sample tree and compare folders byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

export interface ZipSpec {
  /** Written verbatim (UTF-8 flag set), so '../x', '/x' or 'a\\b' are possible. */
  name: string;
  data?: Buffer;
  method?: 'store' | 'deflate';
  /** Full st_mode (type and permission bits); makes the entry "made by Unix". */
  unixMode?: number;
  /** Overrides the CRC-32 recorded in both headers. */
  crc?: number;
  /** Sets the "encrypted" flag (the data stays plain). */
  encrypted?: boolean;
}

/** Builds a zip archive in memory. */
export function buildZip(entries: ZipSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method === 'deflate' ? 8 : 0;
    const packed = method === 8 ? deflateRawSync(data) : data;
    // Traditional encryption prefixes a 12-byte header; the rest is left plain (only the flag matters here).
    const body = e.encrypted ? Buffer.concat([randomBytes(12), packed]) : packed;
    const crc = e.crc ?? crc32(data);
    const flags = 0x800 | (e.encrypted ? 1 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode === undefined ? 0 : (e.unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface TarSpec extends HeaderData {
  path: string;
  data?: Buffer;
}

/** Builds an uncompressed tar archive from raw headers (no sanitising: hostile entries are possible). */
export function buildTar(entries: TarSpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { data, ...fields } of entries) {
    const body = data ?? Buffer.alloc(0);
    const header = new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), type: 'File', ...fields, size: body.length });
    header.encode();
    blocks.push(header.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The sample model tree every format must round-trip: nested folders, unicode names, an empty file. */
export function sampleTree(): Record<string, Buffer> {
  return {
    'config.json': Buffer.from('{"architectures":["Demo"]}\n'),
    'weights/model.bin': randomBytes(96 * 1024),
    'weights/shards/model-00001-of-00002.safetensors': randomBytes(20 * 1024),
    'weights/shards/model-00002-of-00002.safetensors': Buffer.alloc(30 * 1024, 7),
    'tökenizer/日本語 vocab.txt': Buffer.from('こんにちは\nhello\n'),
    'deep/a/b/c/d/e.txt': Buffer.from('deep'),
    'empty.txt': Buffer.alloc(0),
    'bin/run.sh': Buffer.from('#!/bin/sh\necho hi\n'),
  };
}

/** Writes a tree of files below `root` (run.sh gets mode 0755). */
export function writeTree(root: string, files: Record<string, Buffer>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    if (rel.endsWith('.sh')) chmodSync(p, 0o755);
  }
}

/** Every regular file below `root`, by '/'-separated relative path; throws on anything else (links). */
export function readTree(root: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, rel);
      else if (st.isFile()) out[rel] = readFileSync(p);
      else throw new Error(`unexpected non-file ${rel}`);
    }
  };
  walk(root, '');
  return out;
}

/** Size and SHA-256 per path: compares trees cheaply (jest's deep equality walks Buffers byte by byte). */
export function digestTree(files: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([rel, data]) => [rel, `${data.length}:${createHash('sha256').update(data).digest('hex')}`]),
  );
}

/** Zip entries (deflate for big files, STORED for small ones) for a tree, with folder entries. */
export function zipSpecsFor(files: Record<string, Buffer>): ZipSpec[] {
  const specs: ZipSpec[] = [];
  const folders = new Set<string>();
  for (const [rel, data] of Object.entries(files)) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = `${parts.slice(0, i).join('/')}/`;
      if (!folders.has(folder)) {
        folders.add(folder);
        specs.push({ name: folder, unixMode: 0o040755 });
      }
    }
    specs.push({
      name: rel,
      data,
      method: data.length > 1024 ? 'deflate' : 'store',
      unixMode: rel.endsWith('.sh') ? 0o100755 : 0o100644,
    });
  }
  return specs;
}
