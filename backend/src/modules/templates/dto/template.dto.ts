import { IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { TEMPLATE_CATEGORIES, type TemplateCategory } from '../templates.types.js';

const CATEGORY = { message: 'category must be marketing or transactional' };

export class CreateTemplateDto {
  @IsString() @Length(1, 200) name!: string;
  @IsIn(TEMPLATE_CATEGORIES, CATEGORY) category!: TemplateCategory;
  @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @IsOptional() @IsString() @MaxLength(500) preheader?: string;
  @IsOptional() @IsString() @MaxLength(200) fromName?: string;
  @IsOptional() @IsString() @MaxLength(500_000) mjml?: string;
}

export class UpdateDraftDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsIn(TEMPLATE_CATEGORIES, CATEGORY) category?: TemplateCategory;
  @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @IsOptional() @IsString() @MaxLength(500) preheader?: string;
  @IsOptional() @IsString() @MaxLength(200) fromName?: string;
  @IsOptional() @IsString() @MaxLength(500_000) mjml?: string;
}

export class PreviewDto {
  /** Overrides merged over the built-in sample patient (top-level keys). */
  @IsOptional() @IsObject() data?: Record<string, unknown>;
  /** Render with this contact's real data instead of the sample patient: needs phi:reveal, and is audited. */
  @IsOptional() @Matches(/^\d{1,18}$/, { message: 'contactId must be a contact id' }) contactId?: string;
}
