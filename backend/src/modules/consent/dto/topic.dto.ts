import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateTopicDto {
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'key must be 2-63 lowercase letters, digits or dashes' }) key!: string;
  @IsString() @Length(1, 120) name!: string;
  @IsOptional() @IsString() @Length(0, 500) description?: string;
  @IsIn(['marketing', 'transactional'], { message: 'kind must be marketing or transactional' }) kind!: 'marketing' | 'transactional';
  @IsOptional() @IsBoolean() requiresAuthorization?: boolean;
  @IsOptional() @IsBoolean() doubleOptIn?: boolean;
}

export class UpdateTopicDto {
  @IsOptional() @IsString() @Length(1, 120) name?: string;
  @IsOptional() @IsString() @Length(0, 500) description?: string;
  @IsOptional() @IsIn(['marketing', 'transactional'], { message: 'kind must be marketing or transactional' }) kind?: 'marketing' | 'transactional';
  @IsOptional() @IsBoolean() requiresAuthorization?: boolean;
  @IsOptional() @IsBoolean() doubleOptIn?: boolean;
  @IsOptional() @IsBoolean() archived?: boolean;
}

export class CreateAuthorizationTextDto {
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'version must be 1-40 letters, digits, dots, dashes or underscores' }) version!: string;
  @IsString() @Length(1, 200) title!: string;
  @IsString() @Length(1, 500) purpose!: string;
  @IsString() @Length(1, 20_000) body!: string;
}
