import { Type } from 'class-transformer';
import { Allow, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, MaxLength, Min } from 'class-validator';
import { ENROLLMENT_STATES, type EnrollmentState, JOURNEY_STATUSES, type JourneyStatus } from '../journeys.types.js';

/** The graph is checked by the journeys service, which names each problem by its node (`nodes.reminder.duration`). */
export class CreateJourneyDto {
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @Allow() graph?: unknown;
}

export class UpdateJourneyDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @Allow() graph?: unknown;
}

export class ValidateJourneyDto {
  @Allow() graph?: unknown;
}

export class JourneyFilterDto {
  @IsOptional() @IsIn(JOURNEY_STATUSES) status?: JourneyStatus;
}

export class EnrollmentFilterDto {
  @IsOptional() @IsIn(ENROLLMENT_STATES) state?: EnrollmentState;
  @IsOptional() @IsString() @Matches(/^\d{1,18}$/, { message: 'contactId must be a contact id' }) contactId?: string;
  @IsOptional() @IsString() @MaxLength(64) nodeId?: string;
}

/** `POST /journeys/:id/enroll`: the API-call trigger. Properties reach templates and conditions like an event's (kept encrypted). */
export class EnrollDto {
  @IsString() @Matches(/^\d{1,18}$/, { message: 'contactId must be a contact id' }) contactId!: string;
  @IsOptional() @IsObject() properties?: Record<string, unknown>;
}

export class RemoveContactDto {
  @IsString() @Matches(/^\d{1,18}$/, { message: 'contactId must be a contact id' }) contactId!: string;
}

export class MigrateDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) fromVersion?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) toVersion?: number;
  /** Old node id → node id in the target version, for nodes that were renamed or replaced. */
  @IsOptional() @IsObject() nodeMap?: Record<string, string>;
}

export class StatsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) version?: number;
}
