import type { NoTlsReason, TlsRptResultType } from '../delivery.types.js';

export const ALLOWED_TLS_VERSIONS = new Set(['TLSv1.2', 'TLSv1.3']);

/** Ciphers the client offers: forward-secret AEAD and CBC suites of 128 bits or more (TLS 1.3 suites are all strong). */
export const CLIENT_CIPHERS = 'HIGH:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!RC4:!MD5:!PSK:!SRP:!IDEA:!SEED';

const WEAK_CIPHER = /NULL|EXPORT|(^|[-_])DES|3DES|RC4|RC2|MD5|IDEA|SEED|anon/i;

/** Key length of a negotiated cipher suite, from its OpenSSL or IANA name (0 when unknown). */
export function cipherBits(name: string): number {
  if (/CHACHA20/i.test(name)) return 256;
  const match = /(?:AES|CAMELLIA|ARIA)[_-]?(128|256)/i.exec(name);
  if (match) return Number(match[1]);
  if (/3DES|DES-CBC3/i.test(name)) return 112;
  if (/RC4/i.test(name)) return 128;
  return 0;
}

export interface NegotiatedTls {
  protocol: string | null;
  cipher: string;
}

/** The TLS-exclusive rule on an established session: TLS 1.2+ and a strong cipher of at least 128 bits, or a reason. */
export function judgeSession(tls: NegotiatedTls): { ok: true } | { ok: false; reason: NoTlsReason; detail: string } {
  if (!tls.protocol || !ALLOWED_TLS_VERSIONS.has(tls.protocol)) {
    return { ok: false, reason: 'tls_protocol_too_old', detail: `negotiated ${tls.protocol ?? 'no protocol'}, TLS 1.2 or newer required` };
  }
  if (WEAK_CIPHER.test(tls.cipher) || cipherBits(tls.cipher) < 128) {
    return { ok: false, reason: 'weak_cipher', detail: `negotiated ${tls.cipher}, a cipher of at least 128 bits required` };
  }
  return { ok: true };
}

export interface SmtpErrorLike {
  code?: string;
  message?: string;
  response?: string | false;
  responseCode?: number;
  command?: string;
}

const CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
]);

/**
 * Sorts an error from the SMTP layer: a TLS failure (the message is dropped, never retried in
 * plaintext) or anything else (a connection problem, retried). `certCode` is the TLS library's
 * certificate error code when the handshake was refused for the certificate.
 */
export function classifyTlsError(err: SmtpErrorLike, certCode?: string): { reason: NoTlsReason; detail: string; resultType: TlsRptResultType } | null {
  const message = (err.message ?? '').slice(0, 300);
  if (certCode && CERT_CODES.has(certCode)) {
    const resultType: TlsRptResultType =
      certCode === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'certificate-host-mismatch'
        : certCode === 'CERT_HAS_EXPIRED'
          ? 'certificate-expired'
          : 'certificate-not-trusted';
    return { reason: 'certificate_invalid', detail: `${certCode}: ${message}`, resultType };
  }
  if (err.code !== 'ETLS') return null;
  // nodemailer sends STARTTLS even when EHLO did not offer it (requireTLS); a server reply means it refused.
  if (err.command === 'STARTTLS' && typeof err.response === 'string' && err.response) {
    return { reason: 'starttls_not_offered', detail: `STARTTLS refused: ${err.response.slice(0, 200)}`, resultType: 'starttls-not-supported' };
  }
  if (/STARTTLS/i.test(message) && !/initiating TLS/i.test(message)) {
    return { reason: 'starttls_not_offered', detail: message, resultType: 'starttls-not-supported' };
  }
  if (/unsupported protocol|protocol version|version too low/i.test(message)) {
    return { reason: 'tls_protocol_too_old', detail: message, resultType: 'validation-failure' };
  }
  if (/no shared cipher|no cipher|insufficient security/i.test(message)) {
    return { reason: 'weak_cipher', detail: message, resultType: 'validation-failure' };
  }
  return { reason: 'tls_handshake_failed', detail: message || 'TLS handshake failed', resultType: 'validation-failure' };
}
