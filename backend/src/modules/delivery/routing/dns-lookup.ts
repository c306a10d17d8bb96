import { promises as dns } from 'node:dns';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/** DNS for routing: the system resolver, or the servers in DNS_SERVERS (a local validating resolver in production). */
@Injectable()
export class DnsLookup {
  private readonly resolver = new dns.Resolver({ timeout: 5_000, tries: 2 });

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.DNS_SERVERS) this.resolver.setServers(config.DNS_SERVERS.split(',').map((s) => s.trim()));
  }

  /** MX records, best first; null when the domain has none (NODATA / NXDOMAIN). */
  async mx(domain: string): Promise<{ exchange: string; priority: number }[] | null> {
    try {
      return (await this.resolver.resolveMx(domain)).sort((a, b) => a.priority - b.priority);
    } catch (err) {
      if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return null;
      throw err;
    }
  }

  /** IPv4 then IPv6 addresses of a host; empty when it has none. */
  async addresses(host: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.resolver.resolve4(host).catch(notFoundAsEmpty), this.resolver.resolve6(host).catch(notFoundAsEmpty)]);
    return [...v4, ...v6];
  }

  /** TXT records joined per record, as mailauth's resolver hook expects (string chunks per record). */
  async txt(name: string): Promise<string[][]> {
    return this.resolver.resolveTxt(name);
  }

  /** A `resolver(name, type)` in the shape of dns.promises.resolve for TXT and A/AAAA, for libraries that take one. */
  readonly resolve = async (name: string, type: string): Promise<string[] | string[][]> => {
    if (type === 'TXT') return this.resolver.resolveTxt(name);
    if (type === 'AAAA') return this.resolver.resolve6(name);
    return this.resolver.resolve4(name);
  };
}

function notFoundAsEmpty(err: unknown): string[] {
  if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return [];
  throw err;
}
