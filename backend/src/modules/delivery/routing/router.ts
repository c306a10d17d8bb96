import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import type { DeliveryEvidence, MtaStsMode } from '../delivery.types.js';
import type { SmtpTarget } from '../smtp/smtp-session.js';
import { DnsLookup } from './dns-lookup.js';
import { MtaStsService } from './mta-sts.service.js';

/** Where mail for one domain goes, in the order to try. An empty list carries the reason there is no route. */
export interface Route {
  domain: string;
  kind: DeliveryEvidence['route'];
  targets: SmtpTarget[];
  mtaStsMode: MtaStsMode;
  /** Set when no target is usable: `null_mx` (the domain accepts no mail), `no_mx_address`, or `mta_sts_mx_mismatch`. */
  problem?: 'null_mx' | 'no_mx_address' | 'mta_sts_mx_mismatch';
  /** MX hosts refused by the MTA-STS policy (for the TLS report). */
  refusedMx?: string[];
}

/**
 * Routing as RFC 5321 §5 says: MX records by preference, the domain's own A/AAAA when it has no MX,
 * none at all for a null MX (RFC 7505). A transport map entry (like Postfix's transport_maps) or a
 * configured relay overrides it. MTA-STS narrows MX candidates to the policy's names in enforce mode.
 */
@Injectable()
export class Router {
  private readonly relay?: SmtpTarget;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dns: DnsLookup,
    private readonly mtaSts: MtaStsService,
  ) {
    if (config.SMTP_RELAY_URL) {
      const url = new URL(config.SMTP_RELAY_URL);
      const implicitTls = url.protocol === 'smtps:';
      this.relay = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : implicitTls ? 465 : 587,
        implicitTls,
        verifyCert: true,
        ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      };
    }
  }

  async route(domain: string): Promise<Route> {
    const mapped = this.config.SMTP_TRANSPORT_MAP.find((r) => r.domain === domain) ?? this.config.SMTP_TRANSPORT_MAP.find((r) => r.domain === '*');
    if (mapped) {
      const local = mapped.host === '127.0.0.1' || mapped.host === '::1';
      return {
        domain,
        kind: 'transport_map',
        mtaStsMode: 'none',
        targets: [{ host: local ? 'localhost' : mapped.host, address: mapped.host, port: mapped.port, implicitTls: mapped.port === 465, verifyCert: false }],
      };
    }
    if (this.relay) return { domain, kind: 'relay', mtaStsMode: 'none', targets: [this.relay] };
    return this.mxRoute(domain);
  }

  private async mxRoute(domain: string): Promise<Route> {
    const [records, policy] = await Promise.all([this.dns.mx(domain), this.mtaSts.policyFor(domain)]);
    if (records?.length === 1 && (records[0].exchange === '' || records[0].exchange === '.')) {
      return { domain, kind: 'mx', mtaStsMode: policy.mode, targets: [], problem: 'null_mx' };
    }
    const hosts = records?.length ? records.map((r) => r.exchange.replace(/\.$/, '').toLowerCase()) : [domain];
    const allowed = policy.mode === 'enforce' ? hosts.filter((h) => MtaStsService.matches(h, policy)) : hosts;
    const refusedMx = hosts.filter((h) => !allowed.includes(h));
    if (allowed.length === 0) return { domain, kind: 'mx', mtaStsMode: policy.mode, targets: [], problem: 'mta_sts_mx_mismatch', refusedMx };
    const targets: SmtpTarget[] = [];
    for (const host of allowed) {
      const addresses = await this.dns.addresses(host);
      for (const address of addresses.slice(0, 2)) {
        targets.push({ host, address, port: this.config.SMTP_MX_PORT, implicitTls: false, verifyCert: policy.mode === 'enforce' });
      }
    }
    if (targets.length === 0) return { domain, kind: 'mx', mtaStsMode: policy.mode, targets: [], problem: 'no_mx_address', refusedMx };
    return { domain, kind: 'mx', mtaStsMode: policy.mode, targets, refusedMx };
  }
}
