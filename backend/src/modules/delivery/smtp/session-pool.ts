import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import { TrustStore } from '../routing/trust-store.js';
import { type OpenResult, SmtpSession, type SmtpTarget } from './smtp-session.js';

const IDLE_MS = 30_000;
const MAX_MESSAGES_PER_SESSION = 500;

/**
 * Idle TLS sessions kept per target for reuse (one handshake for many messages), closed after 30 s
 * of idleness or 500 messages. Concurrency per domain is the caller's business.
 */
@Injectable()
export class SessionPool implements OnModuleDestroy {
  private readonly idle = new Map<string, SmtpSession[]>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly trust: TrustStore,
  ) {
    this.sweeper = setInterval(() => {
      this.closeIdle(Date.now() - IDLE_MS);
    }, 5_000);
    this.sweeper.unref();
  }

  /** A reused session for the target when one is idle, else a new one (which may fail: see OpenResult). */
  async acquire(target: SmtpTarget): Promise<OpenResult & { reused?: boolean }> {
    const list = this.idle.get(keyOf(target));
    while (list?.length) {
      const session = list.pop();
      if (session?.usable) return { ok: true, session, connectMs: 0, reused: true };
    }
    return SmtpSession.open(target, {
      heloName: this.config.SMTP_HELO_NAME,
      timeoutMs: this.config.SMTP_TIMEOUT_SECONDS * 1000,
      secureContext: this.trust.secureContext,
    });
  }

  release(session: SmtpSession): void {
    if (!session.usable || session.sent >= MAX_MESSAGES_PER_SESSION) {
      session.close();
      return;
    }
    const key = keyOf(session.target);
    const list = this.idle.get(key) ?? [];
    list.push(session);
    this.idle.set(key, list);
  }

  closeIdle(before = Infinity): void {
    for (const [key, list] of this.idle) {
      const keep = list.filter((s) => {
        if (s.usable && s.lastUsed >= before) return true;
        s.close();
        return false;
      });
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.closeIdle();
  }
}

function keyOf(t: SmtpTarget): string {
  // Credentials are part of the key (hashed): a session authenticated as one user never serves another.
  const auth = t.auth ? createHash('sha256').update(`${t.auth.user}\0${t.auth.pass}`).digest('base64url') : '';
  return `${t.address ?? t.host}|${String(t.port)}|${t.host}|${t.verifyCert ? 'v' : '-'}|${t.implicitTls ? 's' : ''}|${auth}`;
}
