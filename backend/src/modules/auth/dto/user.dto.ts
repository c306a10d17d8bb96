import { IsArray, IsBoolean, IsEmail, IsEnum, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { Role } from '../../../platform/http/index.js';

export class InviteUserDto {
  @IsEmail({}, { message: 'email must be an e-mail address' }) @MaxLength(254) email!: string;
  @IsString() @Length(1, 120) displayName!: string;
  @IsEnum(Role, { message: `role must be one of: ${Object.values(Role).join(', ')}` }) role!: Role;
}

export class UpdateUserDto {
  @IsOptional() @IsString() @Length(1, 120) displayName?: string;
  @IsOptional() @IsEnum(Role, { message: `role must be one of: ${Object.values(Role).join(', ')}` }) role?: Role;
  @IsOptional() @IsBoolean() disabled?: boolean;
}

export class UserFilterDto {
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @IsEnum(Role) role?: Role;
  @IsOptional() @IsArray() @IsUUID('all', { each: true, message: 'ids must be user ids' }) ids?: string[];
}

export class ChangePasswordDto {
  @IsString() @Length(1, 128) currentPassword!: string;
  @IsString() @Length(1, 256) newPassword!: string;
}
