import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import type { DeliveryEvidence, NoTlsReason, TlsRptResultType } from '../delivery.types.js';
import type { Route } from '../routing/router.js';
import { SendThrottle } from './send-throttle.js';
import { SessionPool } from './session-pool.js';
import type { SmtpSession, SmtpTarget, TlsFacts } from './smtp-session.js';

export interface OutgoingMessage {
  deliveryId: string;
  envelopeFrom: string;
  recipient: string;
  raw: Buffer;
}

export type Outcome =
  | { deliveryId: string; status: 'sent'; evidence: DeliveryEvidence }
  | { deliveryId: string; status: 'bounced' | 'deferred' | 'dropped_no_tls' | 'failed'; reason: string; detail: string; evidence: DeliveryEvidence };

/** A TLS failure for the TLSRPT-shaped report. */
export interface TlsFailure {
  resultType: TlsRptResultType;
  mxHost: string;
  ip?: string;
  reasonCode: NoTlsReason;
  detail: string;
}

export interface DomainResult {
  outcomes: Outcome[];
  tlsFailures: TlsFailure[];
  /** What the last session (or failure) taught about the domain, for domain TLS monitoring. */
  domainStatus: { status: 'tls_ok' | 'no_tls' | 'tls_failed' | 'unreachable'; reason?: string; target?: SmtpTarget; facts?: Partial<TlsFacts> };
}

type SessionOrFailure =
  | { ok: true; session: SmtpSession; target: SmtpTarget; connectMs: number; reused: boolean }
  | { ok: false; noTls: boolean; reason: string; detail: string; target?: SmtpTarget; facts?: Partial<TlsFacts> };

/**
 * Sends a group of messages for one recipient domain over up to DELIVERY_DOMAIN_CONNECTIONS TLS
 * sessions. MX hosts are tried in order; a host that fails TLS is passed over for the next one, and
 * when none offers acceptable TLS every message is dropped with the reason, never sent in plaintext.
 */
@Injectable()
export class DomainSender {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pool: SessionPool,
    private readonly throttle: SendThrottle,
  ) {}

  /** `onOutcome` hears each message's outcome as soon as it is known, so the caller can record it before the batch ends. */
  async send(route: Route, messages: OutgoingMessage[], onOutcome?: (outcome: Outcome) => void): Promise<DomainResult> {
    const result: DomainResult = { outcomes: [], tlsFailures: [], domainStatus: { status: 'unreachable' } };
    const emit = (outcome: Outcome) => {
      result.outcomes.push(outcome);
      onOutcome?.(outcome);
    };
    const queue = [...messages];
    const lanes = Math.max(1, Math.min(this.config.DELIVERY_DOMAIN_CONNECTIONS, messages.length));
    await Promise.all(Array.from({ length: lanes }, () => this.lane(route, queue, result, emit)));
    return result;
  }

  private async lane(route: Route, queue: OutgoingMessage[], result: DomainResult, emit: (outcome: Outcome) => void): Promise<void> {
    let current: SessionOrFailure | null = null;
    let retriedOnFreshSession = false;
    for (let message = queue.shift(); message; message = queue.shift()) {
      current ??= await this.sessionFor(route, result);
      if (!current.ok) {
        emit(this.failureOutcome(message.deliveryId, route, current));
        continue;
      }
      const { session, target } = current;
      if (this.throttle.active) await this.throttle.take(route.domain);
      const sent = await session.send(message.envelopeFrom, message.recipient, message.raw);
      const evidence: DeliveryEvidence = {
        ...this.evidence(route, target, session.facts),
        smtpCode: 'smtpCode' in sent ? sent.smtpCode : undefined,
        smtpResponse: 'response' in sent ? sent.response : undefined,
        connectMs: current.connectMs,
        sendMs: sent.sendMs,
        reusedConnection: current.reused || session.sent > 1,
      };
      if (sent.status === 'accepted') {
        emit({ deliveryId: message.deliveryId, status: 'sent', evidence });
        retriedOnFreshSession = false;
      } else if (sent.status === 'rejected') {
        emit({
          deliveryId: message.deliveryId,
          status: sent.permanent ? 'bounced' : 'deferred',
          reason: sent.permanent ? 'smtp_5xx' : 'smtp_4xx',
          detail: sent.response,
          evidence,
        });
      } else if (!retriedOnFreshSession) {
        // The server went away mid-session (idle timeout, restart): one more try on a fresh session.
        retriedOnFreshSession = true;
        queue.unshift(message);
        session.close();
        current = null;
        continue;
      } else {
        emit({
          deliveryId: message.deliveryId,
          status: 'deferred',
          reason: 'connection_lost',
          detail: `${sent.code}: ${sent.detail}`,
          evidence,
        });
      }
      if (!session.usable) {
        session.close();
        current = null;
      }
    }
    if (current?.ok) this.pool.release(current.session);
  }

  /** The first target (in MX order) that gives an acceptable TLS session. */
  private async sessionFor(route: Route, result: DomainResult): Promise<SessionOrFailure> {
    let failure: SessionOrFailure | null = null;
    for (const target of route.targets) {
      const opened = await this.pool.acquire(target);
      if (opened.ok) {
        result.domainStatus = { status: 'tls_ok', target, facts: opened.session.facts };
        return { ok: true, session: opened.session, target, connectMs: opened.connectMs, reused: opened.reused ?? false };
      }
      if (opened.kind === 'no_tls') {
        result.tlsFailures.push({ resultType: opened.resultType, mxHost: target.host, ip: target.address, reasonCode: opened.reason, detail: opened.detail });
        result.domainStatus = {
          status: opened.reason === 'starttls_not_offered' ? 'no_tls' : 'tls_failed',
          reason: opened.reason,
          target,
          facts: opened.facts,
        };
        // A TLS verdict outranks a connection problem: it is the reason the message cannot go.
        failure = { ok: false, noTls: true, reason: opened.reason, detail: opened.detail, target, facts: opened.facts };
      } else if (!failure || !failure.noTls) {
        if (result.domainStatus.status === 'unreachable') result.domainStatus = { status: 'unreachable', reason: opened.code, target };
        failure = {
          ok: false,
          noTls: false,
          reason: opened.code === 'EAUTH' ? 'relay_auth_failed' : 'connection_failed',
          detail: `${opened.code}: ${opened.detail}`,
          target,
        };
      }
    }
    return failure ?? { ok: false, noTls: false, reason: 'no_route', detail: 'no target to connect to' };
  }

  private failureOutcome(deliveryId: string, route: Route, failure: Extract<SessionOrFailure, { ok: false }>): Outcome {
    const evidence: DeliveryEvidence = { ...this.evidence(route, failure.target, failure.facts) };
    return { deliveryId, status: failure.noTls ? 'dropped_no_tls' : 'deferred', reason: failure.reason, detail: failure.detail, evidence };
  }

  private evidence(route: Route, target: SmtpTarget | undefined, facts: Partial<TlsFacts> | undefined): DeliveryEvidence {
    return {
      route: route.kind,
      attemptedAt: new Date().toISOString(),
      mtaStsMode: route.mtaStsMode,
      ...(target ? { mxHost: target.host, port: target.port } : {}),
      ...(facts?.peerIp ? { mxIp: facts.peerIp } : target?.address ? { mxIp: target.address } : {}),
      ...(facts?.tlsVersion ? { tlsVersion: facts.tlsVersion } : {}),
      ...(facts?.cipher ? { cipher: facts.cipher, cipherBits: facts.cipherBits } : {}),
      ...(facts?.certVerified !== undefined ? { certVerified: facts.certVerified } : {}),
      ...(facts?.certError ? { certError: facts.certError } : {}),
    };
  }
}
