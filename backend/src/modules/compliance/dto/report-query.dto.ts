import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsIP, IsNumberString, IsOptional, IsUUID, Max, MaxLength, Min } from 'class-validator';

export const REPORT_FORMATS = ['json', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What every report takes: the download format. */
export class ReportQueryDto {
  @IsOptional() @IsIn(REPORT_FORMATS) format?: ReportFormat;
}

/** A period: `from` inclusive, `to` exclusive, ISO 8601; by default the 30 days up to now. */
export class PeriodQueryDto extends ReportQueryDto {
  @IsOptional() @IsDateString() from?: string;
  @IsOptional() @IsDateString() to?: string;
}

/** Whose accesses: one user or one API key, and/or one client IP address. */
export class PhiAccessQueryDto extends PeriodQueryDto {
  @IsOptional() @IsUUID() userId?: string;
  @IsOptional() @IsUUID() apiKeyId?: string;
  @IsOptional() @IsIP() ip?: string;
}

/** The same filters as PhiAccessQueryDto; the report refuses an unscoped request (at least one of userId, apiKeyId, ip). */
export class BreachResponseQueryDto extends PhiAccessQueryDto {}

/** One contact, or a campaign's frozen audience; `includePhi=true` prints names and e-mail addresses (phi:reveal, audited). */
export class ConsentEvidenceQueryDto extends ReportQueryDto {
  @IsOptional() @IsNumberString({ no_symbols: true }) @MaxLength(18) contactId?: string;
  @IsOptional() @IsNumberString({ no_symbols: true }) @MaxLength(18) campaignId?: string;
  @IsOptional() @IsIn(['true', 'false']) includePhi?: 'true' | 'false';
}

export class UserAccessReviewQueryDto extends ReportQueryDto {
  /** A user or API key unused for this many days is dormant. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650) dormantDays?: number;
}

export class AuditChainQueryDto extends ReportQueryDto {}

export class CampaignTargetingQueryDto extends ReportQueryDto {
  @IsNumberString({ no_symbols: true }) @MaxLength(18) campaignId!: string;
}
