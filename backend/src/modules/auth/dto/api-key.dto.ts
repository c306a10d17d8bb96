import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsDate, IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { Permission } from '../../../platform/http/index.js';

export class CreateApiKeyDto {
  @IsString() @Length(1, 100) name!: string;
  @IsArray()
  @ArrayMinSize(1, { message: 'scopes must list at least one permission' })
  @IsEnum(Permission, { each: true, message: 'scopes must contain only known permissions' })
  scopes!: Permission[];
  @IsOptional() @Type(() => Date) @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' }) expiresAt?: Date;
}
