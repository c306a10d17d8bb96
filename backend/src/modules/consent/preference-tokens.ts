import { Injectable } from '@nestjs/common';
import { CryptoService } from '../crypto/index.js';

export type TokenPurpose = 'preferences' | 'confirm';

interface Payload {
  c: string;
  t?: number;
  e: number;
}

const TTL_DAYS: Record<TokenPurpose, number> = { preferences: 365, confirm: 7 };

/**
 * Opaque, authenticated, expiring tokens for public links (preference center, double opt-in).
 * The payload is encrypted, so a URL carries no contact id, e-mail or sequence number.
 */
@Injectable()
export class PreferenceTokens {
  constructor(private readonly crypto: CryptoService) {}

  issue(purpose: TokenPurpose, contactId: string, topicId?: number, now = Date.now()): string {
    const payload: Payload = { c: contactId, e: Math.floor(now / 1000) + TTL_DAYS[purpose] * 86_400, ...(topicId ? { t: topicId } : {}) };
    return this.crypto.encrypt('secrets', JSON.stringify(payload), `token:${purpose}`).toString('base64url');
  }

  /** The contact (and topic) a token stands for, or null when forged, altered, expired or for another purpose. */
  async verify(purpose: TokenPurpose, token: string, now = Date.now()): Promise<{ contactId: string; topicId?: number } | null> {
    if (!/^[A-Za-z0-9_-]{40,400}$/.test(token)) return null;
    try {
      const payload = JSON.parse(await this.crypto.decryptText(Buffer.from(token, 'base64url'), `token:${purpose}`)) as Payload;
      if (payload.e * 1000 < now) return null;
      return { contactId: payload.c, ...(payload.t ? { topicId: payload.t } : {}) };
    } catch {
      return null;
    }
  }
}
