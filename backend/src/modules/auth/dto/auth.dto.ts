import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export class LoginDto {
  @IsEmail({}, { message: 'email must be an e-mail address' }) @MaxLength(254) email!: string;
  @IsString() @Length(1, 128) password!: string;
}

export class MfaCodeDto {
  @Matches(/^\d{6}$/, { message: 'code must be the 6 digits shown by your authenticator app' }) code!: string;
}

export class MfaVerifyDto {
  @IsOptional() @Matches(/^\d{6}$/, { message: 'code must be the 6 digits shown by your authenticator app' }) code?: string;
  @IsOptional() @IsString() @Length(6, 32) recoveryCode?: string;
}
