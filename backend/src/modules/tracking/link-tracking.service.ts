import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { OpaqueIdPurpose, OpaqueIds } from '../crypto/index.js';
import { extractStaticLinks, insertPixel, rewriteLinks } from './tracked-html.js';

/** Destinations kept in memory by the API process that serves clicks; a version's links never change once published. */
const DESTINATION_CACHE_MAX = 50_000;

/**
 * Instruments outgoing messages: static links become signed click links, an open pixel is added, and the
 * RFC 8058 one-click unsubscribe headers are built. Tokens carry the delivery id sealed and signed
 * (OpaqueIds): no address, name, PHI or readable id sequence ever appears in a URL.
 */
@Injectable()
export class LinkTracking {
  private readonly base: string;
  /** Per template version: static href (as written in the HTML) → link index. */
  private readonly prepared = new Map<number, Promise<ReadonlyMap<string, number>>>();
  private readonly ready = new Map<number, ReadonlyMap<string, number>>();
  private readonly destinations = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ids: OpaqueIds,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = config.PUBLIC_URL.replace(/\/+$/, '');
  }

  /**
   * Called once per template version before its first send (idempotent, cached in memory after the first call):
   * extracts the static http(s) hrefs of the version's compiled HTML (those without any Handlebars expression `{{`),
   * stores them in tracked_links (template_version_id, link_index, url) and caches the URL→index map.
   */
  async prepareVersion(templateVersionId: number, compiledHtml: string): Promise<void> {
    let pending = this.prepared.get(templateVersionId);
    if (!pending) {
      pending = this.store(templateVersionId, compiledHtml);
      this.prepared.set(templateVersionId, pending);
      // A failed preparation is retried by the next call rather than cached.
      void pending.catch(() => this.prepared.delete(templateVersionId));
    }
    this.ready.set(templateVersionId, await pending);
  }

  /**
   * Per recipient, no I/O: rewrites hrefs equal to a prepared static URL into `${PUBLIC_URL}/t/c/<token>` and inserts
   * a 1x1 open pixel `${PUBLIC_URL}/t/o/<token>.gif` before </body> (or at the end). mailto:, tel:, #anchors, links to
   * the platform's own /p/ and /u/ pages and per-recipient (dynamic) links are left as they are.
   * Throws when the version was not prepared in this process (a programming error: call prepareVersion first).
   */
  instrument(html: string, deliveryId: string, templateVersionId: number): string {
    const links = this.ready.get(templateVersionId);
    if (!links) throw new Error(`template version ${templateVersionId} is not prepared for tracking: call prepareVersion first`);
    const id = BigInt(deliveryId);
    const tracked = rewriteLinks(html, links, (index) => `${this.base}/t/c/${this.ids.sign(OpaqueIdPurpose.Click, id, index)}`);
    return insertPixel(tracked, `${this.base}/t/o/${this.ids.sign(OpaqueIdPurpose.Open, id)}.gif`);
  }

  /** RFC 8058 headers: List-Unsubscribe: <${PUBLIC_URL}/u/<token>> and List-Unsubscribe-Post: List-Unsubscribe=One-Click. */
  unsubscribeHeaders(deliveryId: string): Record<string, string> {
    return { 'List-Unsubscribe': `<${this.unsubscribeUrl(deliveryId)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }

  /** The one-click unsubscribe URL for the delivery (also usable in the message body). */
  unsubscribeUrl(deliveryId: string): string {
    return `${this.base}/u/${this.ids.sign(OpaqueIdPurpose.Unsubscribe, BigInt(deliveryId))}`;
  }

  /** Where link `index` of a template version leads, or null when the version has no such link. */
  async destination(templateVersionId: number, index: number): Promise<string | null> {
    const key = `${templateVersionId}:${index}`;
    const cached = this.destinations.get(key);
    if (cached !== undefined) return cached;
    const [row] = await this.dataSource.query<[{ url: string }?]>(`SELECT url FROM tracked_links WHERE template_version_id = $1 AND link_index = $2`, [
      templateVersionId,
      index,
    ]);
    if (!row) return null;
    if (this.destinations.size >= DESTINATION_CACHE_MAX) this.destinations.clear();
    this.destinations.set(key, row.url);
    return row.url;
  }

  private async store(templateVersionId: number, compiledHtml: string): Promise<ReadonlyMap<string, number>> {
    const links = extractStaticLinks(compiledHtml, this.base);
    if (links.length) {
      // Several workers may prepare the same version at once: extraction is deterministic for a frozen version, so the
      // rows they write are the same and the first one wins.
      await this.dataSource.query(
        `INSERT INTO tracked_links (template_version_id, link_index, url)
         SELECT $1, i - 1, url FROM unnest($2::text[]) WITH ORDINALITY AS l(url, i)
         ON CONFLICT (template_version_id, link_index) DO NOTHING`,
        [templateVersionId, links.map((l) => l.url)],
      );
    }
    return new Map(links.map((l, i) => [l.raw, i]));
  }
}
