import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

describe('webhook signatures', () => {
  it('verifies its own signature and refuses altered bodies, other secrets, and old or future timestamps', () => {
    const body = '{"type":"delivered"}';
    const header = signWebhook('whsec_a', body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('whsec_a', header, body, 1_700_000_100)).toBe('ok');
    expect(verifyWebhook('whsec_a', header, `${body} `, 1_700_000_100)).toBe('mismatch');
    expect(verifyWebhook('whsec_b', header, body, 1_700_000_100)).toBe('mismatch');
    expect(verifyWebhook('whsec_a', header, body, 1_700_000_301)).toBe('expired');
    expect(verifyWebhook('whsec_a', header, body, 1_699_999_000)).toBe('expired');
    expect(verifyWebhook('whsec_a', 'v1=abc', body)).toBe('malformed');
    expect(verifyWebhook('whsec_a', undefined, body)).toBe('malformed');
  });
});
