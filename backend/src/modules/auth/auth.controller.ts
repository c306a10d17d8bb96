import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { Auth, type AuthContext, Authenticated, ClientInfo, PendingMfa, Public, RateLimit } from '../../platform/http/index.js';
import { AuthService } from './auth.service.js';
import { LoginDto, MfaCodeDto, MfaVerifyDto } from './dto/auth.dto.js';
import { ChangePasswordDto } from './dto/user.dto.js';
import { UserAdminService } from './user-admin.service.js';
import { actorOf } from '../audit/index.js';
import { clearSessionCookies, setSessionCookies } from './session-cookies.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly admin: UserAdminService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @RateLimit({ name: 'login', limit: (c) => c.RATE_LIMIT_LOGIN_PER_MINUTE, windowSeconds: 60 })
  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @ClientInfo() client: { ip: string | null; userAgent: string | null }, @Res({ passthrough: true }) res: Response) {
    const { next, issued } = await this.auth.login(dto.email, dto.password, client);
    setSessionCookies(res, this.config, issued);
    return { next };
  }

  @PendingMfa()
  @Get('mfa/enrollment')
  enrollment(@Auth() auth: AuthContext) {
    return this.auth.enrollment(auth);
  }

  @PendingMfa()
  @RateLimit({ name: 'mfa', limit: (c) => c.RATE_LIMIT_LOGIN_PER_MINUTE, windowSeconds: 60 })
  @Post('mfa/enroll')
  @HttpCode(200)
  async enroll(@Auth() auth: AuthContext, @Body() dto: MfaCodeDto, @Res({ passthrough: true }) res: Response) {
    const { recoveryCodes, issued } = await this.auth.enroll(auth, dto.code);
    setSessionCookies(res, this.config, issued);
    return { recoveryCodes };
  }

  @PendingMfa()
  @RateLimit({ name: 'mfa', limit: (c) => c.RATE_LIMIT_LOGIN_PER_MINUTE, windowSeconds: 60 })
  @Post('mfa/verify')
  @HttpCode(204)
  async verify(@Auth() auth: AuthContext, @Body() dto: MfaVerifyDto, @Res({ passthrough: true }) res: Response) {
    setSessionCookies(res, this.config, await this.auth.verify(auth, dto));
  }

  @Authenticated()
  @Get('me')
  me(@Auth() auth: AuthContext) {
    return this.auth.me(auth);
  }

  @Authenticated()
  @Post('password')
  @HttpCode(204)
  async changePassword(@Auth() auth: AuthContext, @Body() dto: ChangePasswordDto) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the access guard admits only user sessions on @Authenticated routes
    await this.admin.changeOwnPassword(auth.userId!, auth.sessionId, dto.currentPassword, dto.newPassword, actorOf(auth));
  }

  @PendingMfa()
  @Post('logout')
  @HttpCode(204)
  async logout(@Auth() auth: AuthContext, @Res({ passthrough: true }) res: Response) {
    await this.auth.logout(auth, false);
    clearSessionCookies(res, this.config);
  }

  @Authenticated()
  @Post('logout-everywhere')
  @HttpCode(204)
  async logoutEverywhere(@Auth() auth: AuthContext, @Res({ passthrough: true }) res: Response) {
    await this.auth.logout(auth, true);
    clearSessionCookies(res, this.config);
  }
}
