import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DomainError, fieldProblems } from '../../platform/errors/index.js';
import type { Permission } from '../../platform/http/index.js';
import type { ReportDocument } from '../../platform/reports/report-document.js';
import type { AuditActor } from '../audit/index.js';
import type { PeriodQueryDto, ReportQueryDto } from './dto/report-query.dto.js';

/** Who asked for a report: the audit actor, and the permissions that decide what it may print. */
export interface ReportCaller {
  actor: AuditActor;
  permissions: readonly Permission[];
}

export interface ReportResult {
  document: ReportDocument;
  /** Contacts whose PHI the document prints: each is audited as a reveal (`phi.revealed`), and the download as an export containing PHI. */
  phiContactIds?: readonly string[];
}

/** One compliance report: its id (the route's `:id`), its query DTO, and how it is built. */
export interface ComplianceReport<Q extends ReportQueryDto = ReportQueryDto> {
  readonly id: string;
  readonly query: new () => Q;
  build(query: Q, caller: ReportCaller): Promise<ReportResult>;
}

export const invalid = (field: string, message: string) => new DomainError('validation', `${field}: ${message}`, 400, [{ field, message }]);

/** Validates a report's query string against its DTO; a bad or unknown field is named in the 400. */
export function parseReportQuery<Q extends object>(cls: new () => Q, raw: Record<string, unknown>): Q {
  const instance = plainToInstance(cls, raw);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  if (errors.length) {
    const fields = fieldProblems(errors);
    throw new DomainError('validation', fields.map((f) => (f.message.startsWith(f.field) ? f.message : `${f.field}: ${f.message}`)).join('; '), 400, fields);
  }
  return instance;
}

const DAY_MS = 86_400_000;

/** The query's period: by default the 30 days up to now; `from` must come before `to`. */
export function periodOf(query: PeriodQueryDto, defaultDays = 30): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - defaultDays * DAY_MS);
  if (from.getTime() >= to.getTime()) throw invalid('from', 'must be before to');
  return { from, to };
}

/** ISO 8601 or null, for report cells. */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
