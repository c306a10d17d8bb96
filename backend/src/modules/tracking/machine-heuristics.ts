/**
 * Is an open or a click a person, or a machine acting on the message? Privacy proxies fetch images whether or not
 * anyone reads the message, and security gateways follow links before delivering it; reports separate them.
 * Only the user-agent class is kept, never the user agent itself or the IP address (for a patient, that is PHI).
 */

export type UserAgentClass =
  'apple_privacy_proxy' | 'google_image_proxy' | 'yahoo_mail_proxy' | 'security_gateway' | 'bot' | 'mail_client' | 'browser' | 'none' | 'other';

export type MachineReason = 'head_request' | 'no_user_agent' | 'privacy_proxy' | 'security_gateway' | 'bot' | 'click_burst' | 'too_soon';

export interface Hit {
  kind: 'open' | 'click';
  method: string;
  userAgent: string | null | undefined;
  at: Date;
  /** When the receiving server accepted the message; null when unknown. */
  deliveredAt: Date | null;
  /** Distinct links of the same message clicked in the last second, this one included (clicks only). */
  linksInLastSecond?: number;
}

export interface Verdict {
  machine: boolean;
  reason: MachineReason | null;
  userAgentClass: UserAgentClass;
}

/** A person does not open or click within this long of the message reaching the server; a gateway scanning it does. */
export const TOO_SOON_MS = 5_000;
/** Distinct links of one message clicked within a second: a scanner following every link, not a reader. */
export const CLICK_BURST_LINKS = 3;

// Apple Mail Privacy Protection prefetches through Apple's proxies with this bare user agent.
const APPLE_PROXY = /^Mozilla\/5\.0$/;
const GOOGLE_PROXY = /GoogleImageProxy|ggpht\.com/i;
const YAHOO_PROXY = /YahooMailProxy/i;
const GATEWAYS =
  /Barracuda|Proofpoint|ppops|Mimecast|Safe ?Links|Microsoft Office Protocol Discovery|MSOffice.*(?:ATP|Scan)|IronPort|Cisco.*Secure Email|Forcepoint|MessageLabs|Symantec|Sophos|Trend ?Micro|FireEye|Trellix|Zscaler|Check ?Point|Avanan|Abnormal ?Security|Ironscales|SpamTitan|Forti(?:net|Guard|Mail)|Clearswift|Hornetsecurity|Libraesva|Vade ?Secure|Agari|Tessian/i;
const BOTS =
  /bot\b|bot\/|crawler|spider|\bcurl\/|\bwget|python-requests|python-urllib|aiohttp|go-http-client|\bjava\/|okhttp|libwww|httpclient|HeadlessChrome|PhantomJS|scanner|preview|facebookexternalhit|Slurp|axios\/|node-fetch|undici/i;
const MAIL_CLIENTS = /Outlook|Microsoft Office|Thunderbird|Apple ?Mail|AppleWebKit\/[\d.]+ \(KHTML, like Gecko\)$|Airmail|Spark|eM Client|Postbox|Mailbird/i;
const BROWSERS = /Mozilla\/|Opera\//;

export function classifyUserAgent(userAgent: string | null | undefined): UserAgentClass {
  const ua = userAgent?.trim() ?? '';
  if (!ua) return 'none';
  if (APPLE_PROXY.test(ua)) return 'apple_privacy_proxy';
  if (GOOGLE_PROXY.test(ua)) return 'google_image_proxy';
  if (YAHOO_PROXY.test(ua)) return 'yahoo_mail_proxy';
  if (GATEWAYS.test(ua)) return 'security_gateway';
  if (BOTS.test(ua)) return 'bot';
  if (MAIL_CLIENTS.test(ua)) return 'mail_client';
  if (BROWSERS.test(ua)) return 'browser';
  return 'other';
}

/** The first reason that marks the hit as a machine's, most certain first. */
export function judgeHit(hit: Hit): Verdict {
  const userAgentClass = classifyUserAgent(hit.userAgent);
  const machine = (reason: MachineReason): Verdict => ({ machine: true, reason, userAgentClass });
  if (hit.method.toUpperCase() === 'HEAD') return machine('head_request');
  switch (userAgentClass) {
    case 'none':
      return machine('no_user_agent');
    case 'apple_privacy_proxy':
    case 'google_image_proxy':
    case 'yahoo_mail_proxy':
      return machine('privacy_proxy');
    case 'security_gateway':
      return machine('security_gateway');
    case 'bot':
      return machine('bot');
    default:
      break;
  }
  if (hit.kind === 'click' && (hit.linksInLastSecond ?? 1) >= CLICK_BURST_LINKS) return machine('click_burst');
  if (hit.deliveredAt && hit.at.getTime() - hit.deliveredAt.getTime() < TOO_SOON_MS) return machine('too_soon');
  return { machine: false, reason: null, userAgentClass };
}
