import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { AuditOutcome } from '../entities/audit-event.entity.js';

export class AuditFilterDto {
  @IsOptional() @IsString() @MaxLength(100) actorId?: string;
  @IsOptional() @IsString() @MaxLength(100) action?: string;
  @IsOptional() @IsString() @MaxLength(100) subjectType?: string;
  @IsOptional() @IsString() @MaxLength(100) subjectId?: string;
  @IsOptional() @IsIn(['success', 'failure', 'denied']) outcome?: AuditOutcome;
  @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @IsOptional() @Type(() => Date) @IsDate() to?: Date;
}
