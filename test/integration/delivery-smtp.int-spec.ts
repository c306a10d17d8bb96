import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../backend/src/config/index.js';
import type { Route } from '../../backend/src/modules/delivery/routing/router.js';
import { TrustStore } from '../../backend/src/modules/delivery/routing/trust-store.js';
import { DomainSender, type OutgoingMessage } from '../../backend/src/modules/delivery/smtp/domain-sender.js';
import { SendThrottle } from '../../backend/src/modules/delivery/smtp/send-throttle.js';
import { SessionPool } from '../../backend/src/modules/delivery/smtp/session-pool.js';
import { createTestCa, issueCert, type Pem } from '../support/pki.js';
import { type Behaviour, startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { testConfig } from '../support/stack.js';

// The SMTP layer of the delivery tier against real servers on loopback, one per behaviour.
let ca: Pem & { file: string };
let config: AppConfig;
let pool: SessionPool;
let sender: DomainSender;
let redis: Redis;
const servers = new Map<Behaviour | 'wrong-cert', TestSmtpServer>();

const BODY_MARKER = 'Body-Marker-7f3a: confidential appointment details';

function message(id: string, recipient = 'patient@example.test'): OutgoingMessage {
  const raw = Buffer.from(`From: <news@example.org>\r\nTo: <${recipient}>\r\nSubject: Test ${id}\r\nMessage-ID: <${id}@example.org>\r\n\r\n${BODY_MARKER}\r\n`);
  return { deliveryId: id, envelopeFrom: 'bounce@example.org', recipient, raw };
}

function routeTo(server: TestSmtpServer, options: { verifyCert?: boolean; host?: string } = {}): Route {
  return {
    domain: 'example.test',
    kind: 'transport_map',
    mtaStsMode: options.verifyCert ? 'enforce' : 'none',
    targets: [{ host: options.host ?? 'localhost', address: server.host, port: server.port, implicitTls: false, verifyCert: options.verifyCert ?? false }],
  };
}

beforeAll(async () => {
  ca = await createTestCa();
  const good = await issueCert(ca, ['localhost', '127.0.0.1']);
  const wrong = await issueCert(ca, ['other.example']);
  config = testConfig({ SMTP_CA_FILE: ca.file, SMTP_TIMEOUT_SECONDS: '2', DELIVERY_DOMAIN_CONNECTIONS: '2' });
  pool = new SessionPool(config, new TrustStore(config));
  redis = new Redis(config.REDIS_URL);
  sender = new DomainSender(config, pool, new SendThrottle(config, redis));
  for (const behaviour of ['accept', 'no-starttls', 'old-tls', 'defer-then-accept', 'reject', 'broken-handshake', 'stall'] as const) {
    servers.set(behaviour, await startSmtpServer(behaviour, { tls: good }));
  }
  servers.set('wrong-cert', await startSmtpServer('accept', { tls: wrong }));
});

afterAll(async () => {
  pool.onModuleDestroy();
  redis.disconnect();
  await Promise.all([...servers.values()].map((s) => s.close()));
});

describe('TLS-exclusive SMTP sessions', () => {
  it('delivers over TLS 1.3 with a verified certificate, reusing one session for several messages', async () => {
    const server = servers.get('accept') as TestSmtpServer;
    const result = await sender.send(routeTo(server, { verifyCert: true }), [message('a1'), message('a2'), message('a3')]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    const evidence = result.outcomes[0].evidence;
    expect(evidence).toMatchObject({ tlsVersion: 'TLSv1.3', certVerified: true, mxHost: 'localhost', mxIp: '127.0.0.1', smtpCode: 250 });
    expect(evidence.cipherBits).toBeGreaterThanOrEqual(128);
    expect(server.received).toHaveLength(3);
    expect(server.received.every((m) => m.secure)).toBe(true);
    expect(server.connections).toBeLessThanOrEqual(2);
    expect(result.domainStatus.status).toBe('tls_ok');
  });

  it('drops, and writes nothing, when the server offers no STARTTLS', async () => {
    const server = servers.get('no-starttls') as TestSmtpServer;
    const result = await sender.send(routeTo(server), [message('b1'), message('b2')]);
    expect(result.outcomes.map((o) => [o.status, 'reason' in o ? o.reason : ''])).toEqual([
      ['dropped_no_tls', 'starttls_not_offered'],
      ['dropped_no_tls', 'starttls_not_offered'],
    ]);
    expect(result.tlsFailures[0]).toMatchObject({ resultType: 'starttls-not-supported' });
    expect(server.plaintextTransactions).toBe(0);
    expect(server.received).toHaveLength(0);
    expect(result.domainStatus.status).toBe('no_tls');
  });

  it('drops when the server only speaks TLS 1.0/1.1', async () => {
    const server = servers.get('old-tls') as TestSmtpServer;
    const result = await sender.send(routeTo(server), [message('c1')]);
    expect(result.outcomes[0]).toMatchObject({ status: 'dropped_no_tls', reason: 'tls_protocol_too_old' });
    expect(server.plaintextTransactions).toBe(0);
    expect(server.received).toHaveLength(0);
  });

  it('drops when the handshake breaks, and never falls back to plaintext', async () => {
    const server = servers.get('broken-handshake') as TestSmtpServer;
    const result = await sender.send(routeTo(server), [message('d1')]);
    expect(result.outcomes[0]).toMatchObject({ status: 'dropped_no_tls', reason: 'tls_handshake_failed' });
    expect(server.plaintextTransactions).toBe(0);
    expect(server.plaintext.join('')).not.toContain('Body-Marker');
  });

  it('drops when the certificate must verify and names another host', async () => {
    const server = servers.get('wrong-cert') as TestSmtpServer;
    const result = await sender.send(routeTo(server, { verifyCert: true }), [message('e1')]);
    expect(result.outcomes[0]).toMatchObject({ status: 'dropped_no_tls', reason: 'certificate_invalid' });
    expect(result.tlsFailures[0]).toMatchObject({ resultType: 'certificate-host-mismatch' });
    expect(server.received).toHaveLength(0);
  });

  it('sends over TLS with an unverified certificate when no policy demands it, and says so', async () => {
    const server = servers.get('wrong-cert') as TestSmtpServer;
    const result = await sender.send(routeTo(server), [message('e2')]);
    expect(result.outcomes[0]).toMatchObject({ status: 'sent', evidence: { certVerified: false, tlsVersion: 'TLSv1.3' } });
  });

  it('defers on 4xx and bounces on 5xx', async () => {
    const greylist = servers.get('defer-then-accept') as TestSmtpServer;
    const first = await sender.send(routeTo(greylist), [message('f1', 'grey@example.test')]);
    expect(first.outcomes[0]).toMatchObject({ status: 'deferred', reason: 'smtp_4xx', evidence: { smtpCode: 451 } });
    const second = await sender.send(routeTo(greylist), [message('f1', 'grey@example.test')]);
    expect(second.outcomes[0].status).toBe('sent');

    const reject = servers.get('reject') as TestSmtpServer;
    const bounced = await sender.send(routeTo(reject), [message('g1', 'gone@example.test')]);
    expect(bounced.outcomes[0]).toMatchObject({ status: 'bounced', reason: 'smtp_5xx', evidence: { smtpCode: 550 } });
    expect((bounced.outcomes[0] as { detail: string }).detail).not.toContain('gone@example.test');
  });

  it('defers when the server stalls, within the timeout', async () => {
    const server = servers.get('stall') as TestSmtpServer;
    const started = Date.now();
    const result = await sender.send(routeTo(server), [message('h1')]);
    expect(result.outcomes[0]).toMatchObject({ status: 'deferred', reason: 'connection_failed' });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(server.plaintextTransactions).toBe(0);
  });

  it('passes over an MX without TLS to the next one that has it', async () => {
    const bad = servers.get('no-starttls') as TestSmtpServer;
    const good = servers.get('accept') as TestSmtpServer;
    const before = good.received.length;
    const route: Route = {
      domain: 'example.test',
      kind: 'mx',
      mtaStsMode: 'none',
      targets: [
        { host: 'localhost', address: bad.host, port: bad.port, implicitTls: false, verifyCert: false },
        { host: 'localhost', address: good.host, port: good.port, implicitTls: false, verifyCert: false },
      ],
    };
    const result = await sender.send(route, [message('i1')]);
    expect(result.outcomes[0].status).toBe('sent');
    expect(good.received.length).toBe(before + 1);
    expect(bad.plaintextTransactions).toBe(0);
  });

  it('holds a global rate shared through Redis', async () => {
    const limited = testConfig({ SMTP_CA_FILE: ca.file, DELIVERY_RATE_PER_SECOND: '2', DELIVERY_DOMAIN_CONNECTIONS: '3', QUEUE_PREFIX: config.QUEUE_PREFIX });
    const throttled = new DomainSender(limited, pool, new SendThrottle(limited, redis));
    const server = servers.get('accept') as TestSmtpServer;
    const started = Date.now();
    const result = await throttled.send(
      routeTo(server),
      ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => message(id)),
    );
    expect(result.outcomes.every((o) => o.status === 'sent')).toBe(true);
    // Five messages at two per second span at least three one-second windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('relays through a smart host with AUTH over STARTTLS (587) and over implicit TLS (465), certificate verified', async () => {
    const tls = await issueCert(ca, ['relay.example.test']);
    const auth = { user: 'relay-user', pass: 'relay-secret-1' };
    const submission = await startSmtpServer('accept', { tls, auth });
    const smtps = await startSmtpServer('accept', { tls, auth, implicitTls: true });
    try {
      const target = (server: TestSmtpServer, implicitTls: boolean, pass = auth.pass): Route => ({
        domain: 'example.test',
        kind: 'relay',
        mtaStsMode: 'none',
        targets: [{ host: 'relay.example.test', address: server.host, port: server.port, implicitTls, verifyCert: true, auth: { user: auth.user, pass } }],
      });
      const viaStartTls = await sender.send(target(submission, false), [message('s1')]);
      expect(viaStartTls.outcomes[0]).toMatchObject({ status: 'sent', evidence: { route: 'relay', certVerified: true, mxHost: 'relay.example.test' } });
      expect(submission.received[0].secure).toBe(true);
      const viaImplicit = await sender.send(target(smtps, true), [message('s2')]);
      expect(viaImplicit.outcomes[0]).toMatchObject({ status: 'sent', evidence: { route: 'relay', certVerified: true } });
      const badPassword = await sender.send(target(submission, false, 'wrong'), [message('s3')]);
      expect(badPassword.outcomes[0]).toMatchObject({ status: 'deferred', reason: 'relay_auth_failed' });
      expect(submission.received).toHaveLength(1);
    } finally {
      await submission.close();
      await smtps.close();
    }
  });
});
