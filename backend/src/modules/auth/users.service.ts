import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { Role } from '../../platform/http/index.js';
import { CryptoService } from '../crypto/index.js';
import { RecoveryCodeEntity } from './entities/recovery-code.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { hashPassword } from './passwords.js';
import { passwordProblem } from './password-policy.js';

export const MAX_FAILED_ATTEMPTS = 5;
export const LOCKOUT_MS = 15 * 60_000;
export const RECOVERY_CODE_COUNT = 10;

/** Owns the users and recovery_codes tables. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(RecoveryCodeEntity) private readonly recoveryCodes: Repository<RecoveryCodeEntity>,
    private readonly crypto: CryptoService,
  ) {}

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: email.trim() }).getOne();
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id } });
  }

  count(): Promise<number> {
    return this.users.count({ where: { disabledAt: IsNull() } });
  }

  async list(
    filter: { q?: string; role?: Role; ids?: string[] },
    page: { offset: number; limit: number; sort?: string; order?: 'ASC' | 'DESC' },
  ): Promise<{ data: UserEntity[]; total: number }> {
    const sortable: Record<string, string> = {
      email: 'u.email',
      displayName: 'u.display_name',
      role: 'u.role',
      lastLoginAt: 'u.last_login_at',
      createdAt: 'u.created_at',
    };
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy(sortable[page.sort ?? ''] ?? 'u.created_at', page.order ?? 'ASC')
      .offset(page.offset)
      .limit(page.limit);
    if (filter.role) qb.andWhere('u.role = :role', { role: filter.role });
    if (filter.ids?.length) qb.andWhere('u.id IN (:...ids)', { ids: filter.ids });

    if (filter.q) qb.andWhere('(u.email ILIKE :q OR u.display_name ILIKE :q)', { q: `%${filter.q.replace(/[%_]/g, '')}%` });
    const [data, total] = await qb.getManyAndCount();
    return { data, total };
  }

  countActiveAdmins(): Promise<number> {
    return this.users.count({ where: { role: Role.Admin, disabledAt: IsNull() } });
  }

  async update(id: string, changes: Partial<Pick<UserEntity, 'role' | 'displayName' | 'disabledAt'>>): Promise<void> {
    await this.users.update({ id }, changes);
  }

  async setPassword(user: UserEntity, password: string, mustChange: boolean): Promise<void> {
    const problem = passwordProblem(password, { email: user.email });
    if (problem) throw new DomainError('password_policy', `password ${problem}`, 400, [{ field: 'newPassword', message: problem }]);
    await this.users.update({ id: user.id }, { passwordHash: await hashPassword(password), passwordChangedAt: new Date(), mustChangePassword: mustChange });
  }

  async create(input: { email: string; displayName: string; role: Role; password: string; mustChangePassword?: boolean }): Promise<UserEntity> {
    const problem = passwordProblem(input.password, { email: input.email });
    if (problem) throw new DomainError('password_policy', `password ${problem}`, 400, [{ field: 'password', message: problem }]);
    if (await this.findByEmail(input.email))
      throw new DomainError('user_exists', 'A user with this e-mail already exists', 409, [{ field: 'email', message: 'already in use' }]);
    const user = this.users.create({
      email: input.email.trim().toLowerCase(),
      displayName: input.displayName,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      passwordChangedAt: new Date(),
      mustChangePassword: input.mustChangePassword ?? false,
      mfaSecret: null,
      mfaPendingSecret: null,
      mfaEnrolledAt: null,
      mfaLastTimeStep: null,
      failedAttempts: 0,
      lockedUntil: null,
      lastLoginAt: null,
      disabledAt: null,
    });
    return this.users.save(user);
  }

  isLocked(user: UserEntity, now = new Date()): boolean {
    return user.lockedUntil !== null && user.lockedUntil.getTime() > now.getTime();
  }

  /** Counts a failed password or MFA code; returns true when this failure locked the account. */
  async recordFailure(user: UserEntity, now = new Date()): Promise<boolean> {
    const [row] = await this.users.query<[{ failed_attempts: number }[], number]>(
      `UPDATE users SET failed_attempts = failed_attempts + 1,
              locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3::timestamptz ELSE locked_until END,
              updated_at = now()
        WHERE id = $1 RETURNING failed_attempts`,
      [user.id, MAX_FAILED_ATTEMPTS, new Date(now.getTime() + LOCKOUT_MS)],
    );
    const attempts = row[0]?.failed_attempts ?? 0;
    return attempts === MAX_FAILED_ATTEMPTS;
  }

  async recordSuccess(user: UserEntity, now = new Date()): Promise<void> {
    await this.users.update({ id: user.id }, { failedAttempts: 0, lockedUntil: null, lastLoginAt: now });
  }

  async unlock(userId: string): Promise<void> {
    await this.users.update({ id: userId }, { failedAttempts: 0, lockedUntil: null });
  }

  // ---- MFA secrets: encrypted, bound to the user row ----

  async pendingMfaSecret(user: UserEntity, create: () => string): Promise<string> {
    if (user.mfaPendingSecret) return this.crypto.decryptText(user.mfaPendingSecret, CryptoService.aad('users', 'mfa_pending_secret', user.id));
    const secret = create();
    const sealed = this.crypto.encrypt('secrets', secret, CryptoService.aad('users', 'mfa_pending_secret', user.id));
    await this.users.update({ id: user.id }, { mfaPendingSecret: sealed });
    user.mfaPendingSecret = sealed;
    return secret;
  }

  async activeMfaSecret(user: UserEntity): Promise<string | null> {
    if (!user.mfaSecret) return null;
    return this.crypto.decryptText(user.mfaSecret, CryptoService.aad('users', 'mfa_secret', user.id));
  }

  /** Makes the pending secret the active one and issues fresh recovery codes (returned once, stored hashed). */
  async completeMfaEnrollment(user: UserEntity, secret: string, timeStep: number, manager: EntityManager): Promise<string[]> {
    await manager.update(
      UserEntity,
      { id: user.id },
      {
        mfaSecret: this.crypto.encrypt('secrets', secret, CryptoService.aad('users', 'mfa_secret', user.id)),
        mfaPendingSecret: null,
        mfaEnrolledAt: new Date(),
        mfaLastTimeStep: timeStep,
      },
    );
    return this.replaceRecoveryCodes(user.id, manager);
  }

  async acceptTimeStep(userId: string, timeStep: number): Promise<void> {
    await this.users.update({ id: userId }, { mfaLastTimeStep: timeStep });
  }

  async resetMfa(userId: string, manager: EntityManager): Promise<void> {
    await manager.update(UserEntity, { id: userId }, { mfaSecret: null, mfaPendingSecret: null, mfaEnrolledAt: null, mfaLastTimeStep: null });
    await manager.delete(RecoveryCodeEntity, { userId });
  }

  async replaceRecoveryCodes(userId: string, manager: EntityManager): Promise<string[]> {
    await manager.delete(RecoveryCodeEntity, { userId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecoveryCode(randomBytes(10)));
    await manager.insert(
      RecoveryCodeEntity,
      codes.map((code) => ({ userId, codeHash: this.recoveryHash(code), usedAt: null })),
    );
    return codes;
  }

  /** Spends a recovery code; true when it was valid and unused. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const result = await this.recoveryCodes.update({ userId, codeHash: this.recoveryHash(code), usedAt: IsNull() }, { usedAt: new Date() });
    return (result.affected ?? 0) === 1;
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    return this.recoveryCodes.count({ where: { userId, usedAt: IsNull() } });
  }

  private recoveryHash(code: string): Buffer {
    return this.crypto.blindIndex('recovery_codes', code.toLowerCase().replace(/[^a-z0-9]/g, ''));
  }
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function formatRecoveryCode(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}`;
}
