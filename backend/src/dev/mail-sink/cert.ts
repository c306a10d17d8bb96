import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** PEM strings for a TLS server whose certificate chains to `ca`, the one clients pin. */
export interface TlsMaterial {
  key: string;
  cert: string;
  ca: string;
}

const FILES = {
  caKey: 'ca.key',
  caCert: 'ca.crt',
  key: 'server.key',
  cert: 'server.crt',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALID_DAYS = 3650;
// 825 days is the longest validity clients such as Apple's accept for a server certificate.
const SERVER_VALID_DAYS = 825;
const RENEW_BEFORE_DAYS = 30;
const SERVER_NAMES = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] } as const;

/**
 * Returns the sink's CA and its `localhost` server certificate from `dir`, creating them on
 * first use. The CA is kept across restarts so a pinned `caPem` stays valid; the server
 * certificate is reissued from it when it nears expiry or does not match.
 */
export async function loadOrCreateTlsMaterial(dir: string): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readExisting(dir);

  const ca = existing.ca && isUsable(existing.ca.cert) ? existing.ca : await createCa();
  if (ca !== existing.ca) await persistPair(dir, FILES.caKey, FILES.caCert, ca);

  if (existing.server && ca === existing.ca && isIssuedBy(existing.server, ca.cert)) {
    await chmod(join(dir, FILES.key), 0o600);
    return { key: existing.server.key, cert: existing.server.cert, ca: ca.cert };
  }
  const server = await createServerCert(ca);
  await persistPair(dir, FILES.key, FILES.cert, server);
  return { key: server.key, cert: server.cert, ca: ca.cert };
}

/** A fresh CA and `localhost` server certificate, in memory only: for a server with no configured certificate. */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const ca = await createCa();
  const server = await createServerCert(ca);
  return { key: server.key, cert: server.cert, ca: ca.cert };
}

interface KeyPair {
  key: string;
  cert: string;
}

async function readExisting(dir: string): Promise<{ ca?: KeyPair; server?: KeyPair }> {
  const [caKey, caCert, key, cert] = await Promise.all([FILES.caKey, FILES.caCert, FILES.key, FILES.cert].map((name) => readOptional(join(dir, name))));
  return {
    ca: caKey && caCert ? { key: caKey, cert: caCert } : undefined,
    server: key && cert ? { key, cert } : undefined,
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isUsable(certPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_DAYS * DAY_MS;
  } catch {
    return false;
  }
}

function isIssuedBy(pair: KeyPair, caPem: string): boolean {
  if (!isUsable(pair.cert)) return false;
  try {
    const cert = new X509Certificate(pair.cert);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && cert.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    return false;
  }
}

function validity(days: number): { notBeforeDate: Date; notAfterDate: Date } {
  // Backdated a little so a client whose clock lags does not see a not-yet-valid certificate.
  const notBeforeDate = new Date(Date.now() - DAY_MS);
  return { notBeforeDate, notAfterDate: new Date(notBeforeDate.getTime() + days * DAY_MS) };
}

async function createCa(): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: 'HIPAA Mail dev mail sink CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(CA_VALID_DAYS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

async function createServerCert(ca: KeyPair): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...validity(SERVER_VALID_DAYS),
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...SERVER_NAMES.dns.map((value) => ({ type: 2 as const, value })), ...SERVER_NAMES.ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

async function persistPair(dir: string, keyFile: string, certFile: string, pair: KeyPair): Promise<void> {
  await writeAtomically(join(dir, keyFile), pair.key, 0o600);
  await writeAtomically(join(dir, certFile), pair.cert, 0o644);
}

// Written beside the target and renamed, so a crash never leaves a half-written PEM behind.
async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
