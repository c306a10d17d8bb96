import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { columnsOf } from '../../platform/reports/report-document.js';
import { type ComplianceReport, iso, type ReportResult } from './compliance-report.js';
import { UserAccessReviewQueryDto } from './dto/report-query.dto.js';

const DEFAULT_DORMANT_DAYS = 90;

/** The periodic access review: every user with role, MFA, last login and status, and every live API key with its scopes and last use. */
@Injectable()
export class UserAccessReviewReportService implements ComplianceReport<UserAccessReviewQueryDto> {
  readonly id = 'user-access-review';
  readonly query = UserAccessReviewQueryDto;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async build(query: UserAccessReviewQueryDto): Promise<ReportResult> {
    const dormantDays = query.dormantDays ?? DEFAULT_DORMANT_DAYS;
    // An account or key never used counts from its creation: a fresh one is not dormant, one never used in months is.
    const [users, keys] = await Promise.all([
      this.db.query<
        {
          email: string;
          display_name: string;
          role: string;
          mfa_enrolled_at: Date | null;
          last_login_at: Date | null;
          created_at: Date;
          status: 'active' | 'locked' | 'disabled';
          dormant: boolean;
        }[]
      >(
        `SELECT email, display_name, role, mfa_enrolled_at, last_login_at, created_at,
                CASE WHEN disabled_at IS NOT NULL THEN 'disabled' WHEN locked_until > now() THEN 'locked' ELSE 'active' END AS status,
                disabled_at IS NULL AND coalesce(last_login_at, created_at) < now() - make_interval(days => $1) AS dormant
           FROM users ORDER BY lower(email)`,
        [dormantDays],
      ),
      this.db.query<
        {
          name: string;
          prefix: string;
          scopes: string[];
          created_by: string | null;
          created_at: Date;
          expires_at: Date | null;
          last_used_at: Date | null;
          last_used_ip: string | null;
          dormant: boolean;
        }[]
      >(
        `SELECT k.name, k.prefix, k.scopes, u.email AS created_by, k.created_at, k.expires_at, k.last_used_at, k.last_used_ip,
                coalesce(k.last_used_at, k.created_at) < now() - make_interval(days => $1) AS dormant
           FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
          WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
          ORDER BY k.created_at, k.id`,
        [dormantDays],
      ),
    ]);
    const count = (status: string) => users.filter((u) => u.status === status).length;
    return {
      document: {
        id: this.id,
        title: 'User access review',
        generatedAt: new Date().toISOString(),
        parameters: { dormantDays },
        summary: [
          { label: 'Users', value: users.length },
          { label: 'Active users', value: count('active') },
          { label: 'Locked users', value: count('locked') },
          { label: 'Disabled users', value: count('disabled') },
          { label: 'Users without MFA', value: users.filter((u) => u.status !== 'disabled' && !u.mfa_enrolled_at).length },
          { label: `Dormant users (no login for ${String(dormantDays)} days)`, value: users.filter((u) => u.dormant).length },
          { label: 'Active API keys', value: keys.length },
          { label: `Dormant API keys (unused for ${String(dormantDays)} days)`, value: keys.filter((k) => k.dormant).length },
        ],
        sections: [
          {
            title: 'Users',
            columns: columnsOf({
              email: 'E-mail',
              name: 'Name',
              role: 'Role',
              mfaEnrolled: 'MFA enrolled',
              lastLoginAt: 'Last login',
              status: 'Status',
              dormant: 'Dormant',
              createdAt: 'Created',
            }),
            rows: users.map((u) => ({
              email: u.email,
              name: u.display_name,
              role: u.role,
              mfaEnrolled: u.mfa_enrolled_at !== null,
              lastLoginAt: iso(u.last_login_at),
              status: u.status,
              dormant: u.dormant,
              createdAt: iso(u.created_at),
            })),
          },
          {
            title: 'Active API keys',
            columns: columnsOf({
              name: 'Name',
              prefix: 'Prefix',
              scopes: 'Scopes',
              createdBy: 'Created by',
              createdAt: 'Created',
              expiresAt: 'Expires',
              lastUsedAt: 'Last used',
              lastUsedIp: 'Last used from',
              dormant: 'Dormant',
            }),
            rows: keys.map((k) => ({
              name: k.name,
              prefix: k.prefix,
              scopes: k.scopes.join(' '),
              createdBy: k.created_by,
              createdAt: iso(k.created_at),
              expiresAt: iso(k.expires_at),
              lastUsedAt: iso(k.last_used_at),
              lastUsedIp: k.last_used_ip,
              dormant: k.dormant,
            })),
          },
        ],
      },
    };
  }
}
