import { Type } from 'class-transformer';
import { Allow, IsArray, IsIn, IsInt, IsOptional, IsString, Length, MaxLength } from 'class-validator';

const KIND = { message: 'kind must be dynamic or snapshot' };

/** The rule is checked by the segments service, which names each problem by its path (rule.rules[1].codes). */
export class CreateSegmentDto {
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsOptional() @IsIn(['dynamic', 'snapshot'], KIND) kind?: 'dynamic' | 'snapshot';
  @Allow() rule?: unknown;
}

export class UpdateSegmentDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsOptional() @IsIn(['dynamic', 'snapshot'], KIND) kind?: 'dynamic' | 'snapshot';
  @Allow() rule?: unknown;
}

export class SegmentFilterDto {
  @IsOptional() @IsArray() @Type(() => Number) @IsInt({ each: true, message: 'ids must be segment ids' }) ids?: number[];
  @IsOptional() @IsIn(['dynamic', 'snapshot'], KIND) kind?: 'dynamic' | 'snapshot';
}
