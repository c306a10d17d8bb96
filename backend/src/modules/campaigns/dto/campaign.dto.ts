import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AB_KINDS, AB_METRICS, CAMPAIGN_STATUSES, SCHEDULE_KINDS } from '../campaigns.types.js';

export class SenderDto {
  @IsOptional() @IsString() @MaxLength(200) fromName?: string;
  @IsOptional()
  @Matches(/^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$/i, { message: 'fromLocalPart must be the part of an address before the @' })
  fromLocalPart?: string;
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Matches(/^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, { message: 'sendingDomain must be a domain name' })
  sendingDomain?: string | null;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsEmail({}, { message: 'replyTo must be an e-mail address' }) @MaxLength(254) replyTo?: string | null;
}

export class ScheduleDto {
  @IsIn(SCHEDULE_KINDS, { message: 'schedule.kind must be now, at or local_time' }) kind!: (typeof SCHEDULE_KINDS)[number];
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsISO8601({ strict: true }, { message: 'sendAt must be an ISO date-time' }) sendAt?: string | null;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' }) date?: string | null;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'time must be HH:MM' }) time?: string | null;
  @IsOptional() @IsString() @MaxLength(64) fallbackTimeZone?: string;
}

export class AbTestDto {
  @IsIn(AB_KINDS, { message: 'abTest.kind must be subject or template' }) kind!: (typeof AB_KINDS)[number];
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @Length(1, 500) subjectB?: string | null;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(1) templateVersionIdB?: number | null;
  @IsInt() @Min(2) @Max(100) splitPercent!: number;
  @IsIn(AB_METRICS, { message: 'abTest.metric must be opens or clicks' }) metric!: (typeof AB_METRICS)[number];
  @IsNumber() @Min(1) @Max(168) afterHours!: number;
}

/** Create (name required) and draft edits. */
export class CampaignDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  /** A consent topic key; the campaign goes only to contacts with consent for it (checked again at send). */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'topic must be a topic key' }) topic?: string | null;
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) includeSegmentIds?: number[];
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) excludeSegmentIds?: number[];
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(1) templateVersionId?: number | null;
  @IsOptional() @ValidateNested() @Type(() => SenderDto) sender?: SenderDto;
  @IsOptional() @ValidateNested() @Type(() => ScheduleDto) schedule?: ScheduleDto;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(1) @Max(10_000_000) throttlePerHour?: number | null;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @ValidateNested() @Type(() => AbTestDto) abTest?: AbTestDto | null;
  /** Approval by someone other than the author; always on when CAMPAIGN_FOUR_EYES is. */
  @IsOptional() @IsBoolean() fourEyes?: boolean;
}

export class ReviewDto {
  @IsOptional() @IsString() @MaxLength(1000) note?: string;
}

export class CampaignFilterDto {
  @IsOptional() @IsIn(CAMPAIGN_STATUSES) status?: string;
  @IsOptional() @IsString() @MaxLength(200) q?: string;
}

export class AudienceCountDto {
  @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) includeSegmentIds!: number[];
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) excludeSegmentIds?: number[];
}
