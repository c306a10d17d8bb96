import { Type } from 'class-transformer';
import { IsIn, IsObject, IsString, Length, Matches, ValidateNested } from 'class-validator';
import type { ColumnMapping } from '../csv-format.js';

export class ImportConsentDto {
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'consent.topic must be a topic key' }) topic!: string;
  @IsIn(['prior_express_consent', 'hipaa_authorization_on_file', 'existing_relationship_transactional'], {
    message: 'consent.basis must be prior_express_consent, hipaa_authorization_on_file or existing_relationship_transactional',
  })
  basis!: 'prior_express_consent' | 'hipaa_authorization_on_file' | 'existing_relationship_transactional';
  @IsString() @Length(10, 2000, { message: 'consent.attestation must state what you attest (10 to 2000 characters)' }) attestation!: string;
}

export class ConfigureImportDto {
  /** CSV header → { field: 'email' | … | 'identifier' | 'condition' | 'attribute' | 'ignore', … }. */
  @IsObject() mapping!: Record<string, ColumnMapping>;
  @IsIn(['update', 'skip'], { message: 'onExisting must be update or skip' }) onExisting!: 'update' | 'skip';
  @ValidateNested() @Type(() => ImportConsentDto) consent!: ImportConsentDto;
}
