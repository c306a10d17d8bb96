import type { CookieOptions, Response } from 'express';
import type { AppConfig } from '../../config/index.js';
import type { IssuedSession } from './sessions.service.js';

export const SESSION_COOKIE = 'hm_session';
/** Readable by the admin UI, which echoes it in `x-csrf-token` (double submit). */
export const CSRF_COOKIE = 'hm_csrf';
export const CSRF_HEADER = 'x-csrf-token';

function options(config: AppConfig, httpOnly: boolean): CookieOptions {
  return { httpOnly, sameSite: 'strict', secure: config.PUBLIC_URL.startsWith('https:'), path: '/' };
}

export function setSessionCookies(res: Response, config: AppConfig, issued: IssuedSession) {
  res.cookie(SESSION_COOKIE, issued.token, options(config, true));
  res.cookie(CSRF_COOKIE, issued.csrfToken, options(config, false));
}

export function clearSessionCookies(res: Response, config: AppConfig) {
  res.clearCookie(SESSION_COOKIE, options(config, true));
  res.clearCookie(CSRF_COOKIE, options(config, false));
}
