/**
 * A throwaway PKI for TLS tests, made at test time with the `openssl` CLI (node:crypto cannot issue X.509
 * certificates): a CA, a server certificate for 127.0.0.1/localhost and a client certificate, all EC P-256.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM texts of a test CA and the certificates it signed. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Creates the CA, server and client certificates (about 100 ms). */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'webhdfs-pki-'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    const key = (name: string): void => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    key('ca');
    openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=mr-init test CA', '-days', '2', '-out', 'ca.crt',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const issue = (name: string, subject: string, extensions: string): void => {
      key(name);
      openssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
        '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    };
    issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    issue('client', '/CN=mr-init', 'extendedKeyUsage=clientAuth\n');
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
    return {
      ca: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
