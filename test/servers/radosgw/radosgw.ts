/**
 * A real S3 implementation for the slow test job: Ceph radosgw on a throwaway single-node cluster
 * (start.sh / stop.sh beside this file; install.sh installs Ceph from apt). Unlike s3rver it verifies
 * SigV4 signatures, honours If-Match and enforces bucket ownership. Starting takes about 20 s.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export interface RadosgwHandle {
  endpoint: string;
  /** The test user's key pair. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A second user's key pair: its buckets are not readable with `credentials`. */
  otherCredentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(bucket: string, as?: 'user' | 'other'): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer, as?: 'user' | 'other'): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  close(): Promise<void>;
}

/** True when install.sh has run on this machine. */
export function radosgwInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v radosgw && command -v ceph-mon && command -v ceph-osd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startRadosgw(): Promise<RadosgwHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'mr-init-radosgw-'));
  let out: string;
  try {
    ({ stdout: out } = await run('bash', [join(here, 'start.sh'), dir], { timeout: 120_000 }));
  } catch (error) {
    await run('bash', [join(here, 'stop.sh'), dir]).catch(() => undefined);
    throw error;
  }
  const vars = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const endpoint = vars.ENDPOINT!;
  const credentials = { accessKeyId: vars.ACCESS_KEY!, secretAccessKey: vars.SECRET_KEY! };
  const otherCredentials = { accessKeyId: vars.OTHER_ACCESS_KEY!, secretAccessKey: vars.OTHER_SECRET_KEY! };
  const sdk = await import('@aws-sdk/client-s3');
  const clients = new Map<string, S3Client>();
  const client = (as: 'user' | 'other' = 'user'): S3Client => {
    let c = clients.get(as);
    if (!c) {
      c = new sdk.S3Client({
        endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 2,
        credentials: as === 'user' ? credentials : otherCredentials,
        requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      });
      clients.set(as, c);
    }
    return c;
  };
  return {
    endpoint,
    credentials,
    otherCredentials,
    async createBucket(bucket, as) {
      await client(as).send(new sdk.CreateBucketCommand({ Bucket: bucket }));
    },
    async putObject(bucket, key, body, as) {
      await client(as).send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }));
    },
    async deleteObject(bucket, key) {
      await client().send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async close() {
      for (const c of clients.values()) c.destroy();
      await run('bash', [join(here, 'stop.sh'), dir]);
    },
  };
}
