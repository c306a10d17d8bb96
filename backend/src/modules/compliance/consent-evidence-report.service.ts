import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { Permission } from '../../platform/http/index.js';
import { columnsOf, type ReportCell } from '../../platform/reports/report-document.js';
import { AuditService } from '../audit/index.js';
import type { ConsentEvidence } from '../consent/index.js';
import { ContactsService, type ProcessingRecord } from '../contacts/index.js';
import { CryptoService } from '../crypto/index.js';
import { type ComplianceReport, iso, type ReportCaller, type ReportResult } from './compliance-report.js';
import { ConsentEvidenceQueryDto } from './dto/report-query.dto.js';

/** What stands in for evidence that is held but is PHI (a patient's IP address, user agent, a note) when PHI is not asked for. */
const WITHHELD = 'withheld (includePhi)';

interface LedgerRow {
  id: string;
  contact_id: string;
  topic: string;
  status: string;
  method: string;
  source: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  import_id: string | null;
  import_attestation: string | null;
  import_basis: string | null;
  import_attested_by: string | null;
  import_attested_at: string | null;
  evidence: Buffer | null;
}

/**
 * Proof of consent for one contact or a campaign's frozen audience: the consent ledger with its evidence, and
 * the HIPAA marketing authorizations. Contacts appear by id; names and e-mail addresses only with
 * `includePhi=true`, for a caller holding phi:reveal, and each contact so printed is audited as a reveal.
 */
@Injectable()
export class ConsentEvidenceReportService implements ComplianceReport<ConsentEvidenceQueryDto> {
  readonly id = 'consent-evidence';
  readonly query = ConsentEvidenceQueryDto;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: CryptoService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
  ) {}

  async build(query: ConsentEvidenceQueryDto, caller: ReportCaller): Promise<ReportResult> {
    if (!query.contactId === !query.campaignId) {
      const message = 'give contactId or campaignId, exactly one';
      throw new DomainError('validation', `contactId, campaignId: ${message}`, 400, [
        { field: 'contactId', message },
        { field: 'campaignId', message },
      ]);
    }
    const includePhi = query.includePhi === 'true';
    const subject = query.contactId ? { type: 'contact', id: query.contactId } : { type: 'campaign', id: query.campaignId ?? '' };
    if (includePhi && !caller.permissions.includes(Permission.PhiReveal)) {
      await this.audit.record({
        actor: caller.actor,
        action: 'phi.revealed',
        subject,
        outcome: 'denied',
        details: { purpose: 'compliance_report', report: this.id },
      });
      throw new DomainError('forbidden', 'Printing names and e-mail addresses needs the phi:reveal permission', 403);
    }
    const contacts = query.contactId ? await this.contact(query.contactId) : await this.audience(query.campaignId ?? '');
    const ids = contacts.map((c) => c.id);
    const [ledger, authorizations, phi] = await Promise.all([
      this.ledger(ids),
      this.authorizations(ids),
      includePhi ? this.contacts.phiForProcessingMany(ids) : Promise.resolve(new Map<string, ProcessingRecord>()),
    ]);
    const ledgerRows: Record<string, ReportCell>[] = [];
    for (const e of ledger) {
      const evidence = e.evidence
        ? (JSON.parse(await this.crypto.decryptText(e.evidence, CryptoService.aad('consent_events', 'evidence', e.id))) as ConsentEvidence)
        : null;
      const phiValue = (v: string | null | undefined) => (v ? (includePhi ? v : WITHHELD) : null);
      ledgerRows.push({
        contactId: e.contact_id,
        topic: e.topic,
        status: e.status,
        method: e.method,
        source: e.source,
        occurredAt: iso(e.occurred_at),
        actor: `${e.actor_type}${e.actor_name ? `: ${e.actor_name}` : e.actor_id ? `: ${e.actor_id}` : ''}`,
        importId: e.import_id,
        uploader: e.import_attested_by ?? evidence?.uploaderId ?? null,
        basis: e.import_basis,
        attestation: evidence?.attestation ?? e.import_attestation,
        attestedAt: e.import_attested_at,
        ip: phiValue(evidence?.ip),
        userAgent: phiValue(evidence?.userAgent),
        note: phiValue(evidence?.note),
      });
    }
    const printed = contacts.filter((c) => phi.has(c.id)).map((c) => c.id);
    return {
      phiContactIds: printed,
      document: {
        id: this.id,
        title: 'Consent evidence report',
        generatedAt: new Date().toISOString(),
        parameters: { contactId: query.contactId ?? null, campaignId: query.campaignId ?? null, includePhi: includePhi ? 'true' : 'false' },
        summary: [
          { label: 'Contacts', value: contacts.length },
          { label: 'Erased contacts', value: contacts.filter((c) => c.status === 'erased').length },
          { label: 'Consent events', value: ledger.length },
          { label: 'Consent events with evidence', value: ledger.filter((e) => e.evidence).length },
          { label: 'Marketing authorizations', value: authorizations.length },
          { label: 'Active marketing authorizations', value: authorizations.filter((a) => a.status === 'active').length },
          { label: 'Contacts whose name and e-mail are printed', value: printed.length },
        ],
        sections: [
          {
            title: 'Contacts',
            columns: columnsOf({ contactId: 'Contact id', status: 'Status', ...(includePhi ? { email: 'E-mail', name: 'Name' } : {}) }),
            rows: contacts.map((c) => {
              const p = phi.get(c.id)?.phi;
              return {
                contactId: c.id,
                status: c.status,
                ...(includePhi ? { email: p?.email ?? null, name: p ? [p.firstName, p.lastName].filter(Boolean).join(' ') || null : null } : {}),
              };
            }),
          },
          {
            title: 'Consent ledger',
            columns: columnsOf({
              contactId: 'Contact id',
              topic: 'Topic',
              status: 'Status',
              method: 'Method',
              source: 'Source',
              occurredAt: 'When',
              actor: 'Recorded by',
              importId: 'Import job',
              uploader: 'Uploader',
              basis: 'Legal basis',
              attestation: 'Attestation',
              attestedAt: 'Attested at',
              ip: 'IP address',
              userAgent: 'User agent',
              note: 'Note',
            }),
            rows: ledgerRows,
          },
          {
            title: 'HIPAA marketing authorizations',
            columns: columnsOf({
              contactId: 'Contact id',
              version: 'Text version',
              purpose: 'Purpose',
              signedAt: 'Signed at',
              expiresAt: 'Expires at',
              expiryEvent: 'Expiry event',
              revokedAt: 'Revoked at',
              revocationMethod: 'Revocation method',
              status: 'Status',
            }),
            rows: authorizations,
          },
        ],
      },
    };
  }

  private async contact(id: string): Promise<{ id: string; status: string }[]> {
    const rows = await this.db.query<{ id: string; status: string }[]>(`SELECT id::text AS id, status FROM contacts WHERE id = $1`, [id]);
    if (!rows.length) throw new DomainError('contact_not_found', 'Contact not found', 404, [{ field: 'contactId', message: 'no such contact' }]);
    return rows;
  }

  /** The campaign's frozen audience, in send order (empty until sending starts). */
  private async audience(campaignId: string): Promise<{ id: string; status: string }[]> {
    const [campaign] = await this.db.query<[{ id: string }?]>(`SELECT id FROM campaigns WHERE id = $1`, [campaignId]);
    if (!campaign) throw new DomainError('campaign_not_found', 'Campaign not found', 404, [{ field: 'campaignId', message: 'no such campaign' }]);
    return this.db.query<{ id: string; status: string }[]>(
      `SELECT c.id::text AS id, c.status FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id WHERE r.campaign_id = $1 ORDER BY r.position`,
      [campaignId],
    );
  }

  /** The ledger of these contacts, with the import attestation behind imported consent (the uploader's own words and identity). */
  private ledger(ids: string[]): Promise<LedgerRow[]> {
    return this.db.query<LedgerRow[]>(
      `SELECT e.id::text AS id, e.contact_id::text AS contact_id, t.key AS topic, e.status, e.method, e.source, e.occurred_at, e.actor_type, e.actor_id,
              coalesce(au.email, ak.name) AS actor_name, e.import_id::text AS import_id, i.consent->>'attestation' AS import_attestation,
              i.consent->>'basis' AS import_basis, iu.email AS import_attested_by, i.consent->>'attestedAt' AS import_attested_at, e.evidence
         FROM consent_events e
         JOIN topics t ON t.id = e.topic_id
         LEFT JOIN imports i ON i.id = e.import_id
         LEFT JOIN users iu ON iu.id::text = i.consent->>'attestedBy'
         LEFT JOIN users au ON e.actor_type = 'user' AND au.id::text = e.actor_id
         LEFT JOIN api_keys ak ON e.actor_type = 'api_key' AND ak.id::text = e.actor_id
        WHERE e.contact_id = ANY($1::bigint[])
        ORDER BY e.contact_id, e.id`,
      [ids],
    );
  }

  private async authorizations(ids: string[]) {
    const rows = await this.db.query<
      {
        contact_id: string;
        version: string;
        purpose: string;
        signed_at: Date;
        expires_at: Date | null;
        expiry_event: string | null;
        revoked_at: Date | null;
        revocation_method: string | null;
      }[]
    >(
      `SELECT a.contact_id::text AS contact_id, t.version, t.purpose, a.signed_at, a.expires_at, a.expiry_event, a.revoked_at, a.revocation_method
         FROM marketing_authorizations a JOIN authorization_texts t ON t.id = a.text_id
        WHERE a.contact_id = ANY($1::bigint[])
        ORDER BY a.contact_id, a.id`,
      [ids],
    );
    const now = Date.now();
    return rows.map((r) => ({
      contactId: r.contact_id,
      version: r.version,
      purpose: r.purpose,
      signedAt: iso(r.signed_at),
      expiresAt: iso(r.expires_at),
      expiryEvent: r.expiry_event,
      revokedAt: iso(r.revoked_at),
      revocationMethod: r.revocation_method,
      status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at.getTime() <= now ? 'expired' : 'active',
    }));
  }
}
