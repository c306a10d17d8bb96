import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface Pem {
  key: string;
  cert: string;
}

const DAY = 86_400_000;

/** A test certificate authority whose CA certificate the app trusts through SMTP_CA_FILE. */
export async function createTestCa(): Promise<Pem & { file: string }> {
  const pems = await generate([{ name: 'commonName', value: 'HIPAA Mail test CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'hm-ca-')), 'ca.crt');
  writeFileSync(file, pems.cert);
  return { key: pems.private, cert: pems.cert, file };
}

/** A server certificate for `names`, issued by `ca` (or self-signed without one); `expired` makes one that ended yesterday. */
export async function issueCert(ca: Pem | null, names: string[], options: { expired?: boolean } = {}): Promise<Pem> {
  const notBeforeDate = new Date(Date.now() - (options.expired ? 10 : 1) * DAY);
  const notAfterDate = new Date(Date.now() + (options.expired ? -1 : 30) * DAY);
  const pems = await generate([{ name: 'commonName', value: names[0] }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ...(ca ? { ca } : {}),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => (/^[\d.]+$/.test(value) ? { type: 7 as const, ip: value } : { type: 2 as const, value })) },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
