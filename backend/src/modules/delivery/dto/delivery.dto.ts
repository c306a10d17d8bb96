import { Type } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsInt, IsNumberString, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { DELIVERY_STATUSES } from '../delivery.types.js';

export class DeliveryFilterDto {
  @IsOptional() @IsIn(DELIVERY_STATUSES) status?: string;
  @IsOptional() @IsString() @MaxLength(253) domain?: string;
  @IsOptional() @IsNumberString() campaignId?: string;
  @IsOptional() @IsNumberString() journeyId?: string;
  @IsOptional() @IsNumberString() contactId?: string;
  @IsOptional() @IsIn(['TLSv1.2', 'TLSv1.3']) tlsVersion?: string;
  @IsOptional() @IsDateString() since?: string;
}

export class DomainFilterDto {
  @IsOptional() @IsIn(['tls_ok', 'no_tls', 'tls_failed', 'unreachable', 'unknown']) status?: string;
}

export class ProbeDomainDto {
  @IsString()
  @MaxLength(253)
  @Matches(/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, { message: 'domain: expected a domain name' })
  domain!: string;
}

export class SendingDomainDto {
  @IsString() @MaxLength(253) domain!: string;
  @IsOptional() @IsString() @MaxLength(63) selector?: string;
  @IsOptional() @Type(() => Boolean) @IsBoolean() isDefault?: boolean;
}

export class ReachabilityDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) segmentId?: number;
}

export class TlsReportQueryDto {
  @IsOptional() @IsDateString() from?: string;
  @IsOptional() @IsDateString() to?: string;
}
