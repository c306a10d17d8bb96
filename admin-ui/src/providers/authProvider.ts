import type { AuthProvider, UserIdentity } from 'react-admin';

import { canAccess } from './accessControl';
import { httpClient } from './httpClient';

/** `GET /api/v1/auth/me`. */
export interface CurrentUser {
  id: string;
  email: string;
  displayName: string;
  role: string;
  permissions: string[];
  mfaEnrolled: boolean;
  /** Set for an account created with a temporary password: nothing else opens until it is changed. */
  mustChangePassword: boolean;
  recoveryCodesLeft: number;
}

/** Where the password step leaves a half-authenticated session. */
export type NextLoginStep = 'mfa_enroll' | 'mfa_verify';

export interface MfaEnrollment {
  secret: string;
  otpauthUrl: string;
}

export type MfaProof = { code: string } | { recoveryCode: string };

/**
 * `login` takes two shapes: the credentials (step one, answers with the MFA step to run) and
 * `{ session: true }` once MFA has succeeded, which confirms the session so that react-admin's
 * `useLogin` can redirect to the page the user was heading to.
 */
export type LoginParams = { email: string; password: string } | { session: true };

export interface HipaaAuthProvider extends AuthProvider {
  login(params: LoginParams): Promise<{ next: NextLoginStep } | undefined>;
  getMfaEnrollment(): Promise<MfaEnrollment>;
  enrollMfa(code: string): Promise<{ recoveryCodes: string[] }>;
  verifyMfa(proof: MfaProof): Promise<void>;
  /** Why the user was sent back to the login page, if not by their own choice. */
  getSessionNotice(): string | undefined;
  /** `POST /auth/password`; rejects with field errors (`currentPassword`, `newPassword`) on a 400. */
  changePassword(params: { currentPassword: string; newPassword: string }): Promise<void>;
  /** Ends every session of the user, this one included. */
  logoutEverywhere(): Promise<void>;
  /** Reloads `/auth/me`, e.g. once a password change has lifted `mustChangePassword`. */
  refreshUser(): Promise<CurrentUser>;
}

export const SESSION_EXPIRED = 'Your session expired. Please sign in again.';
export const NOT_ALLOWED = 'You are not allowed to do this.';
export const SIGNED_OUT_EVERYWHERE = 'You have been signed out on every device.';

interface ErrorWithStatus {
  status?: number;
}

/**
 * What react-admin reads off a rejected checkAuth/checkError: the toast text (`false`: none),
 * where to go, and whether to log out. It is a plain object by react-admin's contract.
 */
interface AuthRejection {
  message: string | false;
  redirectTo?: string;
  logoutUser?: boolean;
}

// eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- react-admin reads `message: false`, `redirectTo` and `logoutUser` off a plain object
const rejectWith = (rejection: AuthRejection): Promise<never> => Promise.reject(rejection);

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as ErrorWithStatus).status : undefined;
}

/**
 * Session state kept in memory only: nothing about the user reaches browser storage. The
 * session itself is an httpOnly cookie the UI never sees.
 */
let currentUser: CurrentUser | undefined;
let sessionNotice: string | undefined;
/** Set once the server has already ended the session, so that `logout` does not call it again. */
let sessionEnded = false;

function forgetUser(): void {
  // A session that was live and is now refused has expired (or was revoked) server-side.
  if (currentUser) sessionNotice = SESSION_EXPIRED;
  currentUser = undefined;
}

async function fetchMe(signal?: AbortSignal): Promise<CurrentUser> {
  try {
    const { body } = await httpClient<CurrentUser>('/auth/me', { signal });
    currentUser = body;
    return body;
  } catch (error) {
    if (statusOf(error) === 401) forgetUser();
    throw error;
  }
}

async function knownUser(signal?: AbortSignal): Promise<CurrentUser> {
  return currentUser ?? fetchMe(signal);
}

export const authProvider: HipaaAuthProvider = {
  async login(params) {
    if ('session' in params) {
      await fetchMe();
      sessionNotice = undefined;
      return undefined;
    }
    currentUser = undefined;
    sessionEnded = false;
    const { body } = await httpClient<{ next: NextLoginStep }>('/auth/login', {
      method: 'POST',
      body: { email: params.email, password: params.password },
    });
    return { next: body.next };
  },

  async getMfaEnrollment() {
    const { body } = await httpClient<MfaEnrollment>('/auth/mfa/enrollment');
    return body;
  },

  async enrollMfa(code) {
    const { body } = await httpClient<{ recoveryCodes: string[] }>('/auth/mfa/enroll', {
      method: 'POST',
      body: { code },
    });
    return body;
  },

  async verifyMfa(proof) {
    await httpClient('/auth/mfa/verify', { method: 'POST', body: proof });
  },

  getSessionNotice() {
    return sessionNotice;
  },

  async changePassword({ currentPassword, newPassword }) {
    await httpClient('/auth/password', { method: 'POST', body: { currentPassword, newPassword } });
  },

  async logoutEverywhere() {
    await httpClient('/auth/logout-everywhere', { method: 'POST' });
    currentUser = undefined;
    sessionEnded = true;
    sessionNotice = SIGNED_OUT_EVERYWHERE;
  },

  refreshUser() {
    return fetchMe();
  },

  async logout() {
    currentUser = undefined;
    if (sessionEnded) {
      sessionEnded = false;
      return;
    }
    try {
      await httpClient('/auth/logout', { method: 'POST' });
    } catch {
      // Already signed out (or unreachable): the login page is the right place either way.
    }
  },

  async checkAuth(params?: { signal?: AbortSignal }) {
    try {
      await fetchMe(params?.signal);
    } catch {
      // The login page shows the reason itself (see getSessionNotice), so no toast here.
      return rejectWith({ message: false });
    }
  },

  async checkError(error: unknown) {
    const status = statusOf(error);
    if (status === 401) {
      forgetUser();
      // No redirectTo: react-admin's default login route carries the /admin basename.
      return rejectWith({ message: false });
    }
    if (status === 403) {
      return rejectWith({ message: NOT_ALLOWED, logoutUser: false });
    }
  },

  async getIdentity(params?: { signal?: AbortSignal }): Promise<UserIdentity> {
    const user = await knownUser(params?.signal);
    return {
      id: user.id,
      fullName: user.displayName,
      email: user.email,
      role: user.role,
      mfaEnrolled: user.mfaEnrolled,
      mustChangePassword: user.mustChangePassword,
      recoveryCodesLeft: user.recoveryCodesLeft,
    };
  },

  async getPermissions(params?: { signal?: AbortSignal }) {
    const user = await knownUser(params?.signal);
    return user.permissions;
  },

  async canAccess({ resource, action, signal }) {
    const user = await knownUser(signal);
    return canAccess(user.permissions, resource, action);
  },
};
