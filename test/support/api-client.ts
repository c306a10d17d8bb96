import { totpCode } from '../../backend/src/modules/auth/index.js';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client with a cookie jar that echoes the CSRF cookie, as the admin UI does. */
export class ApiClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = this.cookies.get('hm_csrf');
    if (csrf && method !== 'GET' && !('x-csrf-token' in h)) h['x-csrf-token'] = csrf;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...rest] = pair.split('=');
      const value = rest.join('=');
      if (!value || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }

  /** Password, then MFA enrolment with a freshly computed TOTP code. Returns the TOTP secret and recovery codes. */
  async signInAndEnroll(email: string, password: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const login = await this.post<{ next: string }>('/api/v1/auth/login', { email, password });
    if (login.status !== 200 || login.body.next !== 'mfa_enroll') throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    const enrollment = await this.get<{ secret: string }>('/api/v1/auth/mfa/enrollment');
    const secret = enrollment.body.secret;
    const enrolled = await this.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/enroll', { code: totpCode(secret) });
    if (enrolled.status !== 200) throw new Error(`enroll: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
    return { secret, recoveryCodes: enrolled.body.recoveryCodes };
  }
}

/** A code for the next time step: accepted (one step of drift) even after the current one was used. */
export function nextTotp(secret: string): string {
  return totpCode(secret, Math.floor(Date.now() / 1000) + 30);
}
