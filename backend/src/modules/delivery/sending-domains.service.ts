import { generateKeyPairSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { CryptoService } from '../crypto/index.js';

export interface SendingDomainView {
  id: number;
  domain: string;
  selector: string;
  isDefault: boolean;
  createdAt: string;
  /** The DNS records to publish: DKIM key, and SPF/DMARC guidance for alignment. */
  dns: { type: 'TXT'; name: string; value: string; purpose: string }[];
}

interface Row {
  id: number;
  domain: string;
  dkim_selector: string;
  dkim_private_key: Buffer;
  dkim_public_key: string;
  is_default: boolean;
  created_at: Date;
}

const SIGNED_HEADERS = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Feedback-ID',
];

const DOMAIN = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Sending domains and their DKIM keys (RSA-2048, the private key encrypted at rest). Every message whose
 * From domain has a key is signed (relaxed/relaxed) right before it is queued on a session.
 */
@Injectable()
export class SendingDomainsService {
  private readonly keys = new Map<string, { selector: string; privateKey: string } | null>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  async create(input: { domain: string; selector?: string; isDefault?: boolean }, actor: AuditActor): Promise<SendingDomainView> {
    const domain = input.domain.trim().toLowerCase();
    if (!DOMAIN.test(domain))
      throw new DomainError('validation_failed', 'domain: expected a domain name such as news.example.org', 400, [
        { field: 'domain', message: 'expected a domain name' },
      ]);
    const selector = input.selector ?? `hm${new Date().toISOString().slice(0, 7).replace('-', '')}`;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(selector))
      throw new DomainError('validation_failed', 'selector: letters, digits and -', 400, [{ field: 'selector', message: 'letters, digits and -' }]);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const row = await this.db.transaction(async (tx) => {
      if (input.isDefault) await tx.query(`UPDATE sending_domains SET is_default = false WHERE is_default`);
      const [created] = await tx.query<[Row?]>(
        `INSERT INTO sending_domains (domain, dkim_selector, dkim_private_key, dkim_public_key, is_default) VALUES ($1, $2, '\\x00', $3, $4)
         ON CONFLICT (domain) DO NOTHING RETURNING *`,
        [domain, selector, publicDer, input.isDefault ?? false],
      );
      if (!created)
        throw new DomainError('sending_domain_exists', `domain: ${domain} is already a sending domain`, 409, [{ field: 'domain', message: 'already exists' }]);
      const sealed = this.crypto.encrypt('secrets', privatePem, CryptoService.aad('sending_domains', 'dkim_private_key', created.id));
      await tx.query(`UPDATE sending_domains SET dkim_private_key = $2 WHERE id = $1`, [created.id, sealed]);
      return created;
    });
    this.keys.delete(domain);
    await this.audit.record({
      actor,
      action: 'sending_domain.created',
      subject: { type: 'sending_domain', id: String(row.id) },
      details: { domain, selector },
    });
    return view(row);
  }

  async list(): Promise<SendingDomainView[]> {
    const rows = await this.db.query<Row[]>(`SELECT * FROM sending_domains ORDER BY domain`);
    return rows.map(view);
  }

  async remove(id: number, actor: AuditActor): Promise<void> {
    const [rows] = await this.db.query<[Row[], number]>(`DELETE FROM sending_domains WHERE id = $1 RETURNING *`, [id]);
    const row = rows.at(0);
    if (!row) throw new DomainError('sending_domain_not_found', 'Sending domain not found', 404);
    this.keys.delete(row.domain);
    await this.audit.record({ actor, action: 'sending_domain.deleted', subject: { type: 'sending_domain', id: String(id) }, details: { domain: row.domain } });
  }

  /** The message with a DKIM-Signature header when the domain has a key; unchanged otherwise. */
  async sign(domain: string, raw: Buffer): Promise<Buffer> {
    const key = await this.keyFor(domain);
    if (!key) return raw;
    // mailauth 4 signs with the entries of `signatureData` (top-level key fields alone produce no signature).
    // List-Unsubscribe and List-Unsubscribe-Post are signed too: mailbox providers honour one-click only then (RFC 8058 §4).
    const options = {
      headerList: SIGNED_HEADERS.join(':'),
      signatureData: [{ signingDomain: domain, selector: key.selector, privateKey: key.privateKey, canonicalization: 'relaxed/relaxed' }],
    };
    const result = await dkimSign(raw, options as unknown as Parameters<typeof dkimSign>[1]);
    if (result.errors.length || !result.signatures.startsWith('DKIM-Signature:')) throw new Error('DKIM signing failed');
    return Buffer.concat([Buffer.from(result.signatures), raw]);
  }

  private async keyFor(domain: string): Promise<{ selector: string; privateKey: string } | null> {
    if (this.keys.has(domain)) return this.keys.get(domain) ?? null;
    const [row] = await this.db.query<[Row?]>(`SELECT * FROM sending_domains WHERE domain = $1`, [domain]);
    const key = row
      ? {
          selector: row.dkim_selector,
          privateKey: await this.crypto.decryptText(row.dkim_private_key, CryptoService.aad('sending_domains', 'dkim_private_key', row.id)),
        }
      : null;
    this.keys.set(domain, key);
    return key;
  }
}

function view(r: Row): SendingDomainView {
  return {
    id: r.id,
    domain: r.domain,
    selector: r.dkim_selector,
    isDefault: r.is_default,
    createdAt: r.created_at.toISOString(),
    dns: [
      {
        type: 'TXT',
        name: `${r.dkim_selector}._domainkey.${r.domain}`,
        value: `v=DKIM1; k=rsa; p=${r.dkim_public_key}`,
        purpose: 'DKIM public key: receivers verify the signature with it',
      },
      {
        type: 'TXT',
        name: r.domain,
        value: 'v=spf1 ip4:<your sending IPs> -all',
        purpose: 'SPF: list the addresses this platform sends from (merge with an existing SPF record)',
      },
      {
        type: 'TXT',
        name: `_dmarc.${r.domain}`,
        value: `v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:dmarc@${r.domain}`,
        purpose: 'DMARC: aligned DKIM (d=' + r.domain + ') passes; start with p=none to monitor, then quarantine/reject',
      },
    ],
  };
}
