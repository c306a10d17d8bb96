import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOf, type ReportSection } from '../../platform/reports/report-document.js';
import { type ComplianceReport, invalid, iso, periodOf, type ReportResult } from './compliance-report.js';
import { PhiAccessQueryDto } from './dto/report-query.dto.js';
import { PHI_ACCESS_ACTION_NAMES, PHI_ACCESS_ACTIONS, type PhiAccessAction } from './phi-access-actions.js';

export interface AccessScope {
  userId: string | null;
  apiKeyId: string | null;
  ip: string | null;
}

export interface PhiAccess {
  auditId: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  /** The user's e-mail or the API key's name (staff, not patients). */
  actorName: string | null;
  ip: string | null;
  userAgent: string | null;
  action: PhiAccessAction;
  outcome: string;
  subjectType: string | null;
  subjectId: string | null;
}

/** Every PHI access and export of a period, from the audit trail, optionally for one user or API key and/or one IP. */
@Injectable()
export class PhiAccessReportService implements ComplianceReport<PhiAccessQueryDto> {
  readonly id = 'phi-access';
  readonly query = PhiAccessQueryDto;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async build(query: PhiAccessQueryDto): Promise<ReportResult> {
    const scope = scopeOf(query);
    const { from, to } = periodOf(query);
    const rows = await this.accesses(from, to, scope);
    return {
      document: {
        id: this.id,
        title: 'PHI access report',
        generatedAt: new Date().toISOString(),
        parameters: { from: from.toISOString(), to: to.toISOString(), ...scope },
        summary: [
          { label: 'Accesses', value: rows.length },
          { label: 'Exports', value: rows.filter(isExport).length },
          { label: 'Distinct contacts', value: contactIdsOf(rows).length },
          { label: 'Distinct actors', value: new Set(rows.map((r) => `${r.actorType}:${r.actorId ?? ''}`)).size },
        ],
        sections: [accessSection('PHI accesses and exports', rows)],
      },
    };
  }

  /** The PHI accesses of [from, to) in the scope, oldest first. Report downloads count only when they printed PHI. */
  async accesses(from: Date, to: Date, scope: AccessScope): Promise<PhiAccess[]> {
    const rows = await this.db.query<
      {
        id: string;
        occurred_at: Date;
        actor_type: string;
        actor_id: string | null;
        actor_name: string | null;
        ip: string | null;
        user_agent: string | null;
        action: PhiAccessAction;
        outcome: string;
        subject_type: string | null;
        subject_id: string | null;
      }[]
    >(
      `SELECT a.id::text AS id, a.occurred_at, a.actor_type, a.actor_id, coalesce(u.email, k.name) AS actor_name, a.ip, a.user_agent,
              a.action, a.outcome, a.subject_type, a.subject_id
         FROM audit_log a
         LEFT JOIN users u ON a.actor_type = 'user' AND u.id::text = a.actor_id
         LEFT JOIN api_keys k ON a.actor_type = 'api_key' AND k.id::text = a.actor_id
        WHERE a.occurred_at >= $1 AND a.occurred_at < $2 AND a.action = ANY($3::text[])
          AND (a.action <> 'report.downloaded' OR coalesce((a.details->>'containsPhi')::boolean, false))
          AND ($4::text IS NULL OR (a.actor_type = 'user' AND a.actor_id = $4))
          AND ($5::text IS NULL OR (a.actor_type = 'api_key' AND a.actor_id = $5))
          AND ($6::text IS NULL OR a.ip = $6)
        ORDER BY a.id`,
      [from, to, PHI_ACCESS_ACTION_NAMES, scope.userId, scope.apiKeyId, scope.ip],
    );
    return rows.map((r) => ({
      auditId: r.id,
      occurredAt: r.occurred_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_name,
      ip: r.ip,
      userAgent: r.user_agent,
      action: r.action,
      outcome: r.outcome,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
    }));
  }
}

/** The scope filters of a query: a user or an API key (an actor is one or the other, never both), and/or an IP. */
export function scopeOf(query: PhiAccessQueryDto): AccessScope {
  if (query.userId && query.apiKeyId) throw invalid('apiKeyId', 'give userId or apiKeyId, not both');
  return { userId: query.userId ?? null, apiKeyId: query.apiKeyId ?? null, ip: query.ip ?? null };
}

export const isExport = (r: PhiAccess) => PHI_ACCESS_ACTIONS[r.action] === 'export';

/** Distinct ids of the contacts the accesses name, in numeric order. */
export function contactIdsOf(rows: readonly PhiAccess[]): string[] {
  const ids = new Set(rows.filter((r) => r.subjectType === 'contact' && r.subjectId).map((r) => r.subjectId as string));
  return [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

export function accessSection(title: string, rows: readonly PhiAccess[]): ReportSection {
  return {
    title,
    columns: columnsOf({
      occurredAt: 'When',
      actorType: 'Actor type',
      actor: 'Actor',
      actorId: 'Actor id',
      ip: 'IP address',
      userAgent: 'User agent',
      action: 'Action',
      outcome: 'Outcome',
      recordType: 'Record type',
      recordId: 'Record id',
      auditId: 'Audit entry',
    }),
    rows: rows.map((r) => ({
      occurredAt: iso(r.occurredAt),
      actorType: r.actorType,
      actor: r.actorName ?? (r.actorType === 'system' ? 'system' : null),
      actorId: r.actorId,
      ip: r.ip,
      userAgent: r.userAgent,
      action: r.action,
      outcome: r.outcome,
      recordType: r.subjectType,
      recordId: r.subjectId,
      auditId: r.auditId,
    })),
  };
}
