import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { Role } from '../../platform/http/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import type { UserEntity } from './entities/user.entity.js';
import { SessionsService } from './sessions.service.js';
import { UsersService } from './users.service.js';
import { verifyPassword } from './passwords.js';

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  mfaEnrolled: boolean;
  locked: boolean;
  lockedUntil: string | null;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** What administrators do to users: invite, change role, disable, unlock, reset MFA. Every action is audited. */
@Injectable()
export class UserAdminService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async list(filter: { q?: string; role?: Role; ids?: string[] }, page: { offset: number; limit: number; sort?: string; order?: 'ASC' | 'DESC' }) {
    const { data, total } = await this.users.list(filter, page);
    return { data: data.map((u) => this.view(u)), total };
  }

  async get(id: string): Promise<UserView> {
    return this.view(await this.require(id));
  }

  /** Creates the account with a one-time password, returned once; the user must change it and enrol MFA at first sign-in. */
  async invite(input: { email: string; displayName: string; role: Role }, actor: AuditActor): Promise<{ user: UserView; temporaryPassword: string }> {
    const temporaryPassword = `${randomBytes(12).toString('base64url')}-${randomBytes(3).toString('hex')}`;
    const user = await this.users.create({ ...input, password: temporaryPassword, mustChangePassword: true });
    await this.audit.record({ actor, action: 'user.created', subject: { type: 'user', id: user.id }, details: { role: user.role } });
    return { user: this.view(user), temporaryPassword };
  }

  async update(id: string, changes: { displayName?: string; role?: Role; disabled?: boolean }, actor: AuditActor): Promise<UserView> {
    const user = await this.require(id);
    const demoting = changes.role !== undefined && changes.role !== user.role && user.role === Role.Admin;
    const disabling = changes.disabled === true && !user.disabledAt;
    if ((demoting || disabling) && user.role === Role.Admin && !user.disabledAt && (await this.users.countActiveAdmins()) <= 1) {
      await this.audit.record({
        actor,
        action: demoting ? 'user.role-changed' : 'user.disabled',
        subject: { type: 'user', id },
        outcome: 'denied',
        details: { reason: 'last_admin' },
      });

      throw new DomainError('last_admin', 'The last active administrator cannot be demoted or disabled', 409, [
        { field: demoting ? 'role' : 'disabled', message: 'last active administrator' },
      ]);
    }
    await this.users.update(id, {
      ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.disabled !== undefined ? { disabledAt: changes.disabled ? (user.disabledAt ?? new Date()) : null } : {}),
    });
    if (changes.role !== undefined && changes.role !== user.role) {
      await this.audit.record({ actor, action: 'user.role-changed', subject: { type: 'user', id }, details: { from: user.role, to: changes.role } });
    }
    if (changes.disabled !== undefined && changes.disabled !== (user.disabledAt !== null)) {
      const revoked = changes.disabled ? await this.sessions.revokeAllForUser(id, 'disabled') : 0;
      await this.audit.record({
        actor,
        action: changes.disabled ? 'user.disabled' : 'user.enabled',
        subject: { type: 'user', id },
        details: { sessionsRevoked: revoked },
      });
    }
    if (changes.displayName !== undefined && changes.displayName !== user.displayName) {
      await this.audit.record({ actor, action: 'user.updated', subject: { type: 'user', id }, details: { fields: ['displayName'] } });
    }
    return this.get(id);
  }

  async unlock(id: string, actor: AuditActor): Promise<UserView> {
    await this.require(id);
    await this.users.unlock(id);
    await this.audit.record({ actor, action: 'user.unlocked', subject: { type: 'user', id } });
    return this.get(id);
  }

  async resetMfa(id: string, actor: AuditActor): Promise<UserView> {
    await this.require(id);
    await this.dataSource.transaction(async (tx) => {
      await this.users.resetMfa(id, tx);
      await this.audit.record({ actor, action: 'user.mfa-reset', subject: { type: 'user', id } }, tx);
    });
    await this.sessions.revokeAllForUser(id, 'mfa_reset');
    return this.get(id);
  }

  async revokeSessions(id: string, actor: AuditActor): Promise<{ revoked: number }> {
    await this.require(id);
    const revoked = await this.sessions.revokeAllForUser(id, 'admin_revoked');
    await this.audit.record({ actor, action: 'session.revoked', subject: { type: 'user', id }, details: { sessionsRevoked: revoked } });
    return { revoked };
  }

  /** The user's own password change: checks the current one, applies the policy, ends the other sessions. */
  async changeOwnPassword(userId: string, currentSessionId: string | null, current: string, next: string, actor: AuditActor): Promise<void> {
    const user = await this.require(userId);
    if (!(await verifyPassword(user.passwordHash, current))) {
      await this.audit.record({
        actor,
        action: 'user.password-changed',
        subject: { type: 'user', id: userId },
        outcome: 'failure',
        details: { reason: 'bad_current_password' },
      });
      throw new DomainError('bad_credentials', 'The current password is incorrect', 400, [{ field: 'currentPassword', message: 'incorrect' }]);
    }
    if (current === next)
      throw new DomainError('password_policy', 'The new password must differ from the current one', 400, [
        { field: 'newPassword', message: 'same as current' },
      ]);
    await this.users.setPassword(user, next, false);
    const revoked = await this.sessions.revokeAllForUserExcept(userId, currentSessionId, 'password_changed');
    await this.audit.record({ actor, action: 'user.password-changed', subject: { type: 'user', id: userId }, details: { otherSessionsRevoked: revoked } });
  }

  private async require(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new DomainError('user_not_found', 'User not found', 404);
    return user;
  }

  private view(u: UserEntity): UserView {
    return {
      id: u.id,
      email: u.email,
      displayName: u.displayName,
      role: u.role,
      mfaEnrolled: u.mfaEnrolledAt !== null,
      locked: this.users.isLocked(u),
      lockedUntil: this.users.isLocked(u) ? (u.lockedUntil?.toISOString() ?? null) : null,
      disabled: u.disabledAt !== null,
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
    };
  }
}
