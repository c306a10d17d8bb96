import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOf } from '../../platform/reports/report-document.js';
import { AuditService } from '../audit/index.js';
import { type ComplianceReport, iso, type ReportResult } from './compliance-report.js';
import { AuditChainQueryDto } from './dto/report-query.dto.js';

/**
 * The tamper-evident audit chain, verified from its first entry (or, once retention purged old entries, from the latest
 * anchor) to its last (AuditService.verify), with where it breaks if it does.
 */
@Injectable()
export class AuditChainReportService implements ComplianceReport<AuditChainQueryDto> {
  readonly id = 'audit-chain';
  readonly query = AuditChainQueryDto;

  constructor(
    private readonly audit: AuditService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async build(): Promise<ReportResult> {
    const result = await this.audit.verify();
    const ends = async (order: 'ASC' | 'DESC') =>
      (
        await this.db.query<[{ id: string; occurred_at: Date }?]>(
          `SELECT id::text AS id, occurred_at FROM audit_log WHERE id <= coalesce($1, 0) ORDER BY audit_log.id ${order} LIMIT 1`,
          [result.headId],
        )
      ).at(0);
    const [first, last] = await Promise.all([ends('ASC'), ends('DESC')]);
    const firstBreak = result.problems.at(0);
    return {
      document: {
        id: this.id,
        title: 'Audit chain verification',
        generatedAt: result.checkedAt,
        parameters: {},
        summary: [
          { label: 'Result', value: result.valid ? 'intact' : 'broken' },
          { label: 'Entries checked', value: result.rowsChecked },
          { label: 'First entry', value: first ? Number(first.id) : 'none' },
          { label: 'First entry at', value: iso(first?.occurred_at) ?? 'none' },
          { label: 'Last entry', value: last ? Number(last.id) : 'none' },
          { label: 'Last entry at', value: iso(last?.occurred_at) ?? 'none' },
          { label: 'Last entry hash (SHA-256)', value: result.headHash ?? 'none' },
          { label: 'Verified from', value: result.anchoredAt ? 'retention anchor' : 'first entry ever written' },
          { label: 'Purged through entry', value: result.anchoredAt?.throughId ?? 'none' },
          { label: 'Anchor hash (SHA-256)', value: result.anchoredAt?.hash ?? 'none' },
          { label: 'Anchor created at', value: result.anchoredAt?.createdAt ?? 'none' },
          { label: 'First break at entry', value: firstBreak ? firstBreak.id : 'none' },
          { label: 'Problems', value: result.problems.length },
        ],
        sections: [
          {
            title: 'Problems found',
            columns: columnsOf({ entryId: 'Entry', kind: 'Kind', message: 'Finding' }),
            rows: result.problems.map((p) => ({ entryId: p.id, kind: p.kind, message: p.message })),
          },
        ],
      },
    };
  }
}
