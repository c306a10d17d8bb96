import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, maskedConfig, parseConfig } from './app-config.js';

const valid = {
  DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:5432/app',
  REDIS_URL: 'redis://127.0.0.1:6379',
  MASTER_KEY: randomBytes(32).toString('base64'),
};

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults to a minimal valid environment', () => {
    const cfg = parseConfig(valid);
    expect(cfg.PORT).toBe(3000);
    expect(cfg.PUBLIC_URL).toBe('http://localhost:3000');
    expect(cfg.SESSION_IDLE_MINUTES).toBe(15);
    expect(cfg.SESSION_ABSOLUTE_HOURS).toBe(12);
    expect(cfg.SMTP_TRANSPORT_MAP).toEqual([]);
  });

  it('names a bad PORT and shows the value it got', () => {
    expect(problems({ ...valid, PORT: 'eighty' })).toEqual(['PORT: expected an integer from 1 to 65535 (got "eighty")']);
    expect(problems({ ...valid, PORT: '70000' })[0]).toMatch(/^PORT: /);
  });

  it('names every missing required variable', () => {
    expect(problems({})).toEqual(expect.arrayContaining(['DATABASE_URL: required', 'REDIS_URL: required', expect.stringMatching(/^MASTER_KEY: required/)]));
  });

  it('never echoes the value of a secret', () => {
    const bad = problems({ ...valid, DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(bad).toEqual(['DATABASE_URL: expected a URL starting with postgres:// or postgresql://']);
    expect(bad.join()).not.toContain('hunter2');
  });

  it('rejects a master key of the wrong size', () => {
    expect(problems({ ...valid, MASTER_KEY: Buffer.alloc(16).toString('base64') })).toEqual([
      'MASTER_KEY: expected 32 bytes, base64-encoded (openssl rand -base64 32)',
    ]);
  });

  it('parses a transport map and refuses a malformed one', () => {
    expect(parseConfig({ ...valid, SMTP_TRANSPORT_MAP: '*=127.0.0.1:2525, Example.org=[::1]:25' }).SMTP_TRANSPORT_MAP).toEqual([
      { domain: '*', host: '127.0.0.1', port: 2525 },
      { domain: 'example.org', host: '::1', port: 25 },
    ]);
    expect(problems({ ...valid, SMTP_TRANSPORT_MAP: 'example.org->mx' })[0]).toMatch(/^SMTP_TRANSPORT_MAP: expected domain=host:port/);
  });

  it('validates enums and booleans with a readable message', () => {
    expect(problems({ ...valid, LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL: expected fatal, error/);
    expect(problems({ ...valid, TRUST_PROXY: 'maybe' })[0]).toBe('TRUST_PROXY: expected true or false (got "maybe")');
    expect(parseConfig({ ...valid, TRUST_PROXY: 'yes' }).TRUST_PROXY).toBe(true);
  });

  it('leaves the inbound SMTP receiver off by default and checks its port, domain and certificate pair', () => {
    const cfg = parseConfig(valid);
    expect([cfg.INBOUND_SMTP_HOST, cfg.INBOUND_SMTP_PORT, cfg.BOUNCE_DOMAIN]).toEqual(['127.0.0.1', 0, 'bounces.localhost']);
    expect(parseConfig({ ...valid, INBOUND_SMTP_PORT: '2525', BOUNCE_DOMAIN: 'Bounces.Clinic.Example' })).toMatchObject({
      INBOUND_SMTP_PORT: 2525,
      BOUNCE_DOMAIN: 'bounces.clinic.example',
    });
    expect(problems({ ...valid, INBOUND_SMTP_PORT: '-1' })).toEqual(['INBOUND_SMTP_PORT: expected 0 (off) or an integer from 1 to 65535 (got "-1")']);
    expect(problems({ ...valid, BOUNCE_DOMAIN: 'not a domain' })[0]).toMatch(/^BOUNCE_DOMAIN: expected a domain name/);
    expect(problems({ ...valid, INBOUND_SMTP_TLS_CERT_FILE: '/etc/ssl/bounce.crt' })).toEqual([
      'INBOUND_SMTP_TLS_KEY_FILE: set INBOUND_SMTP_TLS_CERT_FILE and INBOUND_SMTP_TLS_KEY_FILE together',
    ]);
  });

  it('masks secrets in the printable config', () => {
    const masked = maskedConfig(parseConfig(valid));
    expect(masked.DATABASE_URL).toBe('***');
    expect(masked.MASTER_KEY).toBe('***');
    expect(masked.PORT).toBe(3000);
    expect(JSON.stringify(masked)).not.toContain('s3cret');
  });
});
