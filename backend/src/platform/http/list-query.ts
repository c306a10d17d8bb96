import { BadRequestException } from '@nestjs/common';
import { Type, plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { fieldProblems } from '../errors/index.js';

/** The list query every collection endpoint takes (react-admin's conventions). */
export class ListQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) page = 1;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) perPage = 25;
  @IsOptional() @IsString() sort?: string;
  @IsOptional() @IsIn(['ASC', 'DESC']) order: 'ASC' | 'DESC' = 'DESC';
  /** A JSON object, validated by each endpoint with parseFilter. */
  @IsOptional() @IsString() filter?: string;

  get offset() {
    return (this.page - 1) * this.perPage;
  }
}

/** Parses and validates the `filter` JSON against a DTO class; a bad field is named in the 400. */
export function parseFilter<T extends object>(cls: new () => T, raw: string | undefined): T {
  let plain: unknown = {};
  if (raw) {
    try {
      plain = JSON.parse(raw);
    } catch {
      throw new BadRequestException({ message: 'filter: expected a JSON object', fields: [{ field: 'filter', message: 'expected a JSON object' }] });
    }
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new BadRequestException({ message: 'filter: expected a JSON object', fields: [{ field: 'filter', message: 'expected a JSON object' }] });
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  if (errors.length) {
    const fields = fieldProblems(errors, 'filter');
    throw new BadRequestException({ message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields });
  }
  return instance;
}
