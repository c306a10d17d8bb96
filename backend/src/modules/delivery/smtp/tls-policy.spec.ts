import { describe, expect, it } from 'vitest';
import { cipherBits, classifyTlsError, judgeSession } from './tls-policy.js';

describe('judgeSession', () => {
  it('accepts TLS 1.2 and 1.3 with strong ciphers', () => {
    expect(judgeSession({ protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' })).toEqual({ ok: true });
    expect(judgeSession({ protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' })).toEqual({ ok: true });
    expect(judgeSession({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' })).toEqual({ ok: true });
  });

  it('refuses old protocols', () => {
    expect(judgeSession({ protocol: 'TLSv1.1', cipher: 'ECDHE-RSA-AES128-SHA' })).toMatchObject({ ok: false, reason: 'tls_protocol_too_old' });
    expect(judgeSession({ protocol: null, cipher: '' })).toMatchObject({ ok: false, reason: 'tls_protocol_too_old' });
  });

  it('refuses ciphers under 128 bits or with broken primitives', () => {
    expect(judgeSession({ protocol: 'TLSv1.2', cipher: 'DES-CBC3-SHA' })).toMatchObject({ ok: false, reason: 'weak_cipher' });
    expect(judgeSession({ protocol: 'TLSv1.2', cipher: 'RC4-SHA' })).toMatchObject({ ok: false, reason: 'weak_cipher' });
    expect(judgeSession({ protocol: 'TLSv1.2', cipher: 'AECDH-NULL-SHA' })).toMatchObject({ ok: false, reason: 'weak_cipher' });
    expect(judgeSession({ protocol: 'TLSv1.2', cipher: 'MYSTERY-CIPHER' })).toMatchObject({ ok: false, reason: 'weak_cipher' });
  });

  it('reads key lengths from cipher names', () => {
    expect(cipherBits('TLS_AES_128_GCM_SHA256')).toBe(128);
    expect(cipherBits('ECDHE-ECDSA-AES256-GCM-SHA384')).toBe(256);
    expect(cipherBits('DES-CBC3-SHA')).toBe(112);
  });
});

describe('classifyTlsError', () => {
  it('tells a refused STARTTLS from a failed handshake', () => {
    expect(
      classifyTlsError({ code: 'ETLS', command: 'STARTTLS', response: '502 5.5.1 Unrecognized command', message: 'Error upgrading connection with STARTTLS' }),
    ).toMatchObject({
      reason: 'starttls_not_offered',
      resultType: 'starttls-not-supported',
    });
    expect(classifyTlsError({ code: 'ETLS', command: 'CONN', message: 'Error initiating TLS - ssl3_read_bytes:tlsv1 alert protocol version' })).toMatchObject({
      reason: 'tls_protocol_too_old',
    });
    expect(classifyTlsError({ code: 'ETLS', command: 'CONN', message: 'Error initiating TLS - socket hang up' })).toMatchObject({
      reason: 'tls_handshake_failed',
    });
  });

  it('maps certificate errors to RFC 8460 result types', () => {
    expect(classifyTlsError({ code: 'ETLS', message: 'x' }, 'ERR_TLS_CERT_ALTNAME_INVALID')).toMatchObject({
      reason: 'certificate_invalid',
      resultType: 'certificate-host-mismatch',
    });
    expect(classifyTlsError({ code: 'ETLS', message: 'x' }, 'CERT_HAS_EXPIRED')).toMatchObject({ resultType: 'certificate-expired' });
    expect(classifyTlsError({ code: 'ETLS', message: 'x' }, 'DEPTH_ZERO_SELF_SIGNED_CERT')).toMatchObject({ resultType: 'certificate-not-trusted' });
  });

  it('leaves connection errors to the retry logic', () => {
    expect(classifyTlsError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toBeNull();
    expect(classifyTlsError({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toBeNull();
  });
});
