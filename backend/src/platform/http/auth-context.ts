import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Permission, Role } from './permissions.js';

/** Who is calling, resolved by the access guard from a session cookie or an API key. */
export interface AuthContext {
  kind: 'user' | 'api_key';
  userId: string | null;
  apiKeyId: string | null;
  role: Role | null;
  permissions: readonly Permission[];
  sessionId: string | null;
  mfaPassed: boolean;
  ip: string | null;
  userAgent: string | null;
}

export type RequestWithAuth = Request & { auth?: AuthContext };

/** The caller's AuthContext; undefined on public routes. */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<RequestWithAuth>().auth);

/** The network facts audited for an anonymous caller (a failed login, a public endpoint). */
export const ClientInfo = createParamDecorator((_data: unknown, ctx: ExecutionContext) => clientInfo(ctx.switchToHttp().getRequest<Request>()));

export function clientInfo(req: Request): { ip: string | null; userAgent: string | null } {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 400) ?? null };
}
