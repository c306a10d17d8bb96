/**
 * Pure HTML work for tracking: finding the static links of a compiled template version, swapping them for
 * tracking links in a rendered message, and adding the open pixel. Regular expressions over the `href` of
 * `<a>` and `<area>` tags only (never `<link href>` stylesheets), so one pass costs microseconds per message.
 */

/** `<a …href=…>` or `<area …href=…>`: group 1 is everything up to the value, groups 2-4 the value (double, single or unquoted). */
const LINK_HREF = /(<(?:a|area)\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

export interface StaticLink {
  /** The attribute value exactly as it stands in the HTML (entities intact): what a rendered message is matched on. */
  raw: string;
  /** The destination, entities decoded: where the click redirect sends the reader. */
  url: string;
}

/**
 * The distinct static http(s) links of a compiled template, in order of first appearance (their position is their
 * link index). Links holding a Handlebars expression differ per recipient and are left alone, and so are links to the
 * platform's own public pages (`/p/` preference center, `/u/` unsubscribe, `/t/` tracking), which must keep working
 * exactly as rendered.
 */
export function extractStaticLinks(html: string, publicUrl: string): StaticLink[] {
  const seen = new Set<string>();
  const links: StaticLink[] = [];
  for (const match of html.matchAll(LINK_HREF)) {
    const raw = hrefOf(match);
    if (seen.has(raw) || raw.includes('{{')) continue;
    const url = decodeEntities(raw).trim();
    if (!/^https?:\/\/[^/\s]/i.test(url) || isOwnPage(url, publicUrl)) continue;
    seen.add(raw);
    links.push({ raw, url });
  }
  return links;
}

/** Replaces each href found in `indexOf` with the tracking URL of its index; every other href is kept as it is. */
export function rewriteLinks(html: string, indexOf: ReadonlyMap<string, number>, trackingUrl: (index: number) => string): string {
  if (indexOf.size === 0) return html;
  const urls = new Map<number, string>();
  return html.replace(LINK_HREF, (whole, head: string, dq: string | undefined, sq: string | undefined, bare: string | undefined) => {
    const index = indexOf.get(hrefOf([whole, head, dq, sq, bare]));
    if (index === undefined) return whole;
    let url = urls.get(index);
    if (url === undefined) {
      url = trackingUrl(index);
      urls.set(index, url);
    }
    return `${head}"${url}"`;
  });
}

/** The href value of a LINK_HREF match, whichever quoting it used (an unmatched group is undefined at run time). */
function hrefOf(groups: readonly (string | undefined)[]): string {
  return groups[2] ?? groups[3] ?? groups[4] ?? '';
}

/** Adds a 1x1 image right before the last `</body>` (or at the end when there is none). */
export function insertPixel(html: string, pixelUrl: string): string {
  const img = `<img src="${pixelUrl}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`;
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at < 0 ? html + img : html.slice(0, at) + img + html.slice(at);
}

/** Whether a URL points at the platform's own public pages under PUBLIC_URL. */
export function isOwnPage(url: string, publicUrl: string): boolean {
  const base = publicUrl.replace(/\/+$/, '').toLowerCase();
  const lower = url.toLowerCase();
  return ['/p/', '/u/', '/t/'].some((prefix) => lower.startsWith(base + prefix));
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };

/** The entities that occur in attribute values of generated HTML (MJML escapes `&` as `&amp;`). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}
