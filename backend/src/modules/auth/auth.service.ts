import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { type AuthContext, permissionsOf } from '../../platform/http/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import type { UserEntity } from './entities/user.entity.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { type IssuedSession, SessionsService } from './sessions.service.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';
import { LOCKOUT_MS, UsersService } from './users.service.js';

type Client = { ip: string | null; userAgent: string | null };

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: string;
  permissions: readonly string[];
  mfaEnrolled: boolean;
  mustChangePassword: boolean;
  recoveryCodesLeft: number;
}

const BAD_CREDENTIALS = 'E-mail or password is incorrect';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async login(email: string, password: string, client: Client): Promise<{ next: 'mfa_enroll' | 'mfa_verify'; issued: IssuedSession }> {
    const user = await this.users.findByEmail(email);
    const anonymous: AuditActor = { type: 'anonymous', ...client };
    if (!user || user.disabledAt) {
      await verifyPassword(await decoyHash(), password);
      await this.audit.record({ actor: anonymous, action: 'auth.login', outcome: 'failure', details: { reason: 'unknown_account' } });
      throw new DomainError('bad_credentials', BAD_CREDENTIALS, 401);
    }
    const actor: AuditActor = { type: 'user', id: user.id, ...client };
    if (this.users.isLocked(user)) {
      await this.audit.record({ actor, action: 'auth.login', subject: { type: 'user', id: user.id }, outcome: 'denied', details: { reason: 'locked' } });
      throw lockedError(user);
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      await this.failure(user, actor, 'auth.login', 'bad_password');
      throw new DomainError('bad_credentials', BAD_CREDENTIALS, 401);
    }
    const issued = await this.sessions.issue(user.id, client, false);
    await this.audit.record({ actor, action: 'auth.password-accepted', subject: { type: 'user', id: user.id } });
    return { next: user.mfaEnrolledAt ? 'mfa_verify' : 'mfa_enroll', issued };
  }

  async enrollment(auth: AuthContext): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.requireUser(auth);
    if (user.mfaEnrolledAt) throw new DomainError('mfa_already_enrolled', 'MFA is already enrolled for this account', 409);
    const secret = await this.users.pendingMfaSecret(user, newTotpSecret);
    return { secret, otpauthUrl: totpUri(secret, user.email) };
  }

  async enroll(auth: AuthContext, code: string): Promise<{ recoveryCodes: string[]; issued: IssuedSession }> {
    const user = await this.requireUser(auth);
    const actor = actorFor(auth);
    if (user.mfaEnrolledAt) throw new DomainError('mfa_already_enrolled', 'MFA is already enrolled for this account', 409);
    if (!user.mfaPendingSecret) throw new DomainError('mfa_no_enrollment', 'Start the enrolment first (GET /api/v1/auth/mfa/enrollment)', 409);
    const secret = await this.users.pendingMfaSecret(user, newTotpSecret);
    const timeStep = checkTotp(secret, code, null);
    if (timeStep === null) {
      await this.failure(user, actor, 'auth.mfa-enroll', 'bad_code');
      throw new DomainError('mfa_bad_code', 'The code is not valid: check the time on your phone and enter the current code', 400, [
        { field: 'code', message: 'not valid' },
      ]);
    }
    const recoveryCodes = await this.dataSource.transaction(async (tx) => {
      const codes = await this.users.completeMfaEnrollment(user, secret, timeStep, tx);
      await this.audit.record({ actor, action: 'auth.mfa-enrolled', subject: { type: 'user', id: user.id } }, tx);
      return codes;
    });
    const issued = await this.upgradeSession(auth, user, actor);
    return { recoveryCodes, issued };
  }

  async verify(auth: AuthContext, input: { code?: string; recoveryCode?: string }): Promise<IssuedSession> {
    const user = await this.requireUser(auth);
    const actor = actorFor(auth);
    if (!user.mfaEnrolledAt) throw new DomainError('mfa_not_enrolled', 'Enrol MFA first', 409);
    if (this.users.isLocked(user)) throw lockedError(user);
    if (input.code) {
      const secret = await this.users.activeMfaSecret(user);
      const timeStep = secret ? checkTotp(secret, input.code, user.mfaLastTimeStep) : null;
      if (timeStep === null) {
        await this.failure(user, actor, 'auth.mfa-verify', 'bad_code');
        throw new DomainError('mfa_bad_code', 'The code is not valid (or was already used)', 401, [{ field: 'code', message: 'not valid' }]);
      }
      await this.users.acceptTimeStep(user.id, timeStep);
    } else if (input.recoveryCode) {
      if (!(await this.users.useRecoveryCode(user.id, input.recoveryCode))) {
        await this.failure(user, actor, 'auth.mfa-verify', 'bad_recovery_code');
        throw new DomainError('mfa_bad_code', 'The recovery code is not valid (or was already used)', 401, [{ field: 'recoveryCode', message: 'not valid' }]);
      }
      await this.audit.record({ actor, action: 'auth.recovery-code-used', subject: { type: 'user', id: user.id } });
    } else {
      throw new DomainError('validation', 'code or recoveryCode is required', 400, [{ field: 'code', message: 'required' }]);
    }
    return this.upgradeSession(auth, user, actor);
  }

  async me(auth: AuthContext): Promise<Me> {
    const user = await this.requireUser(auth);
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      permissions: permissionsOf(user.role),
      mfaEnrolled: user.mfaEnrolledAt !== null,
      mustChangePassword: user.mustChangePassword,
      recoveryCodesLeft: user.mfaEnrolledAt ? await this.users.remainingRecoveryCodes(user.id) : 0,
    };
  }

  async logout(auth: AuthContext, everywhere: boolean): Promise<void> {
    const actor = actorFor(auth);
    if (everywhere && auth.userId) {
      const count = await this.sessions.revokeAllForUser(auth.userId, 'logout_everywhere');
      await this.audit.record({ actor, action: 'auth.logout-everywhere', subject: { type: 'user', id: auth.userId }, details: { sessionsRevoked: count } });
    } else if (auth.sessionId) {
      await this.sessions.revoke(Buffer.from(auth.sessionId, 'hex'), 'logout');
      await this.audit.record({ actor, action: 'auth.logout', subject: { type: 'user', id: auth.userId } });
    }
  }

  /** After MFA, the half-authenticated session is replaced by a new one (no session fixation). */
  private async upgradeSession(auth: AuthContext, user: UserEntity, actor: AuditActor): Promise<IssuedSession> {
    if (auth.sessionId) await this.sessions.revoke(Buffer.from(auth.sessionId, 'hex'), 'mfa_upgrade');
    const issued = await this.sessions.issue(user.id, { ip: auth.ip, userAgent: auth.userAgent }, true);
    await this.users.recordSuccess(user);
    await this.audit.record({ actor, action: 'auth.login', subject: { type: 'user', id: user.id }, details: { mfa: true } });
    return issued;
  }

  private async failure(user: UserEntity, actor: AuditActor, action: string, reason: string) {
    const locked = await this.users.recordFailure(user);
    await this.audit.record({ actor, action, subject: { type: 'user', id: user.id }, outcome: 'failure', details: { reason } });
    if (locked) {
      await this.sessions.revokeAllForUser(user.id, 'lockout');
      await this.audit.record({ actor, action: 'auth.lockout', subject: { type: 'user', id: user.id }, details: { lockoutMinutes: LOCKOUT_MS / 60_000 } });
    }
  }

  private async requireUser(auth: AuthContext): Promise<UserEntity> {
    const user = auth.userId ? await this.users.findById(auth.userId) : null;
    if (!user || user.disabledAt) throw new DomainError('unauthenticated', 'Sign in first', 401);
    return user;
  }
}

function actorFor(auth: AuthContext): AuditActor {
  return { type: 'user', id: auth.userId, ip: auth.ip, userAgent: auth.userAgent };
}

function lockedError(user: UserEntity): DomainError {
  const minutes = Math.max(1, Math.ceil(((user.lockedUntil?.getTime() ?? 0) - Date.now()) / 60_000));
  return new DomainError(
    'account_locked',
    `This account is locked after too many failed attempts. Try again in ${minutes} minute(s), or ask an administrator to unlock it.`,
    401,
  );
}
