import { describe, expect, it } from 'vitest';
import { classifyUserAgent, type Hit, judgeHit, TOO_SOON_MS } from './machine-heuristics.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const delivered = new Date('2026-11-23T10:00:00Z');
const later = new Date(delivered.getTime() + 3_600_000);
const hit = (over: Partial<Hit>): Hit => ({ kind: 'open', method: 'GET', userAgent: CHROME, at: later, deliveredAt: delivered, ...over });

describe('classifyUserAgent', () => {
  it.each([
    ['Mozilla/5.0', 'apple_privacy_proxy'],
    ['Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', 'google_image_proxy'],
    ['YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', 'yahoo_mail_proxy'],
    ['Barracuda Sentinel (EE)', 'security_gateway'],
    ['Mozilla/5.0 (compatible; Proofpoint URL Defense)', 'security_gateway'],
    ['Mimecast URL Protect', 'security_gateway'],
    ['Microsoft Office Protocol Discovery', 'security_gateway'],
    ['Mozilla/5.0 (compatible; SafeLinks)', 'security_gateway'],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'bot'],
    ['curl/8.5.0', 'bot'],
    ['python-requests/2.32.3', 'bot'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36', 'bot'],
    [APPLE_MAIL, 'mail_client'],
    ['Microsoft Outlook 16.0.17928; Pro', 'mail_client'],
    [CHROME, 'browser'],
    ['', 'none'],
    [null, 'none'],
    ['SomethingElse/1.0', 'other'],
  ])('%s → %s', (ua, expected) => {
    expect(classifyUserAgent(ua)).toBe(expected);
  });
});

describe('judgeHit', () => {
  it('counts a person: a browser or mail client, long after delivery', () => {
    expect(judgeHit(hit({}))).toEqual({ machine: false, reason: null, userAgentClass: 'browser' });
    expect(judgeHit(hit({ userAgent: APPLE_MAIL, kind: 'click', linksInLastSecond: 1 }))).toEqual({
      machine: false,
      reason: null,
      userAgentClass: 'mail_client',
    });
  });

  it('flags privacy proxies, security gateways, bots and requests without a user agent', () => {
    expect(judgeHit(hit({ userAgent: 'Mozilla/5.0' }))).toMatchObject({ machine: true, reason: 'privacy_proxy', userAgentClass: 'apple_privacy_proxy' });
    expect(judgeHit(hit({ userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' }))).toMatchObject({ machine: true, reason: 'privacy_proxy' });
    expect(judgeHit(hit({ kind: 'click', userAgent: 'Mimecast URL Protect' }))).toMatchObject({ machine: true, reason: 'security_gateway' });
    expect(judgeHit(hit({ kind: 'click', userAgent: 'Wget/1.21' }))).toMatchObject({ machine: true, reason: 'bot' });
    expect(judgeHit(hit({ userAgent: null }))).toMatchObject({ machine: true, reason: 'no_user_agent', userAgentClass: 'none' });
  });

  it('flags HEAD requests whatever the user agent', () => {
    expect(judgeHit(hit({ method: 'HEAD' }))).toMatchObject({ machine: true, reason: 'head_request', userAgentClass: 'browser' });
    expect(judgeHit(hit({ method: 'head', kind: 'click' }))).toMatchObject({ machine: true, reason: 'head_request' });
  });

  it('flags opens and clicks within a few seconds of delivery, not after', () => {
    const soon = new Date(delivered.getTime() + TOO_SOON_MS - 1);
    expect(judgeHit(hit({ at: soon }))).toMatchObject({ machine: true, reason: 'too_soon' });
    expect(judgeHit(hit({ at: soon, kind: 'click' }))).toMatchObject({ machine: true, reason: 'too_soon' });
    expect(judgeHit(hit({ at: new Date(delivered.getTime() + TOO_SOON_MS) })).machine).toBe(false);
    expect(judgeHit(hit({ at: soon, deliveredAt: null })).machine).toBe(false);
  });

  it('flags many links of one message clicked within a second (a scanner following every link)', () => {
    expect(judgeHit(hit({ kind: 'click', linksInLastSecond: 2 })).machine).toBe(false);
    expect(judgeHit(hit({ kind: 'click', linksInLastSecond: 3 }))).toMatchObject({ machine: true, reason: 'click_burst' });
    // Opens do not count links.
    expect(judgeHit(hit({ kind: 'open', linksInLastSecond: 5 })).machine).toBe(false);
  });
});
