import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDate, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CONSENT_METHODS, type ConsentMethod, SUPPRESSION_REASONS } from '../../consent/index.js';

export class BulkConsentDto {
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'consent.topic must be a topic key' }) topic!: string;
  @IsIn(['confirmed', 'pending'], { message: 'status must be confirmed or pending' }) status!: 'confirmed' | 'pending';
  @IsIn(CONSENT_METHODS, { message: `method must be one of ${CONSENT_METHODS.join(', ')}` }) method!: ConsentMethod;
  @IsString() @Length(1, 200) source!: string;
}

export class BulkUpsertDto {
  /** Each item is validated on its own (per-item results), so the list is not validated here. */
  @IsArray() contacts!: unknown[];
  @IsOptional() @IsIn(['update', 'skip'], { message: 'onExisting must be update or skip' }) onExisting: 'update' | 'skip' = 'update';
  @IsOptional() @ValidateNested() @Type(() => BulkConsentDto) consent?: BulkConsentDto;
}

export class IdentifierDto {
  @IsString() @Length(1, 200) system!: string;
  @IsString() @Length(1, 100) value!: string;
}

export class LookupDto {
  @IsOptional() @IsString() @MaxLength(254) email?: string;
  @IsOptional() @ValidateNested() @Type(() => IdentifierDto) identifier?: IdentifierDto;
}

/** No e-mail here: a filter travels in the URL, and an address is PHI (use POST /contacts/lookup). */
export class ContactFilterDto {
  @IsOptional() @IsArray() @Matches(/^\d{1,18}$/, { each: true, message: 'ids must be contact ids' }) ids?: string[];
  @IsOptional() @IsIn(['active', 'erased']) status?: string;
  @IsOptional() @Matches(/^\d{1,18}$/, { message: 'importId must be an import id' }) importId?: string;
}

export class ConsentChangeDto {
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'topic must be a topic key' }) topic!: string;
  @IsIn(['pending', 'confirmed', 'revoked'], { message: 'status must be pending, confirmed or revoked' }) status!: 'pending' | 'confirmed' | 'revoked';
  @IsIn(['double_opt_in', 'ehr', 'api', 'web_form', 'admin'], { message: 'method must be double_opt_in, ehr, api, web_form or admin' }) method!: ConsentMethod;
  @IsString() @Length(1, 200) source!: string;
  @IsOptional() @IsObject() evidence?: { ip?: string; userAgent?: string; note?: string };
}

export class SignAuthorizationDto {
  @IsInt() textId!: number;
  @Type(() => Date) @IsDate({ message: 'signedAt must be an ISO 8601 date-time' }) signedAt!: Date;
  @IsOptional() @Type(() => Date) @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' }) expiresAt?: Date;
  @IsOptional() @IsString() @Length(1, 200) expiryEvent?: string;
  @IsOptional() @IsObject() evidence?: { ip?: string; userAgent?: string; note?: string };
}

export class SuppressDto {
  @IsString() @MaxLength(254) email!: string;
  @IsIn(SUPPRESSION_REASONS, { message: `reason must be one of ${SUPPRESSION_REASONS.join(', ')}` }) reason!: (typeof SUPPRESSION_REASONS)[number];
}

export class AttributeDefinitionDto {
  @Matches(/^[a-z][a-zA-Z0-9_]{0,62}$/, { message: 'key must start with a lowercase letter and hold letters, digits or _' }) key!: string;
  @IsString() @Length(1, 120) label!: string;
  @IsIn(['text', 'enum', 'number', 'date', 'boolean', 'list'], { message: 'type must be text, enum, number, date, boolean or list' }) type!:
    'text' | 'enum' | 'number' | 'date' | 'boolean' | 'list';
  @IsOptional() @IsArray() @IsString({ each: true }) options?: string[];
  @IsBoolean({ message: 'isPhi must be true or false' }) isPhi!: boolean;
}

export class UpdateAttributeDefinitionDto {
  @IsOptional() @IsString() @Length(1, 120) label?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) options?: string[];
  @IsOptional() @IsBoolean() archived?: boolean;
}
