import { describe, expect, it } from 'vitest';
import { decodeEntities, extractStaticLinks, insertPixel, isOwnPage, rewriteLinks } from './tracked-html.js';

const BASE = 'https://mail.clinic.example';

const compiled = `<!doctype html><html><head>
<link href="https://fonts.googleapis.com/css?family=Ubuntu" rel="stylesheet" type="text/css">
</head><body>
<a href="https://clinic.example/flu-shots?utm_source=email&amp;utm_medium=newsletter" style="color:#0b5cab" target="_blank">Book a flu shot</a>
<a href='https://clinic.example/hours'>Hours</a>
<a class="btn" href=https://clinic.example/map>Map</a>
<a href="https://clinic.example/flu-shots?utm_source=email&amp;utm_medium=newsletter">Again</a>
<a href="https://portal.clinic.example/appointments/{{appointment.id}}">Your appointment</a>
<a href="{{unsubscribe_url}}">Unsubscribe</a> <a href="{{{preferences_url}}}">Preferences</a>
<a href="mailto:frontdesk@clinic.example">Write to us</a> <a href="tel:+16175550100">Call</a> <a href="#top">Top</a>
<a href="${BASE}/p/static-token">Preferences (static)</a> <a href="${BASE}/u/static-token">Unsubscribe (static)</a>
<a data-href="https://clinic.example/not-a-link" href="https://clinic.example/real">Real</a>
<area shape="rect" coords="0,0,10,10" href="https://clinic.example/area">
<a href="javascript:alert(1)">x</a> <a href="ftp://clinic.example/file">ftp</a> <a href="https:">broken</a>
</body></html>`;

describe('extractStaticLinks', () => {
  const links = extractStaticLinks(compiled, BASE);

  it('numbers the distinct static http(s) links of a version in order of first appearance, entities decoded', () => {
    expect(links.map((l) => l.url)).toEqual([
      'https://clinic.example/flu-shots?utm_source=email&utm_medium=newsletter',
      'https://clinic.example/hours',
      'https://clinic.example/map',
      'https://clinic.example/real',
      'https://clinic.example/area',
    ]);
    expect(links[0].raw).toBe('https://clinic.example/flu-shots?utm_source=email&amp;utm_medium=newsletter');
  });

  it('leaves out links with a Handlebars expression, mailto:, tel:, anchors, other schemes, stylesheets and the platform pages', () => {
    const urls = links.map((l) => l.url).join(' ');
    for (const left of ['{{', 'mailto:', 'tel:', '#top', 'javascript:', 'ftp:', 'fonts.googleapis', '/p/static-token', '/u/static-token', 'not-a-link']) {
      expect(urls).not.toContain(left);
    }
  });
});

describe('rewriteLinks', () => {
  const links = extractStaticLinks(compiled, BASE);
  const indexOf = new Map(links.map((l, i) => [l.raw, i]));
  // What a recipient's rendered message looks like: the Handlebars links now hold per-recipient values.
  const rendered = compiled
    .replace('{{appointment.id}}', 'A-778')
    .replace('{{unsubscribe_url}}', `${BASE}/u/AAAA`)
    .replace('{{{preferences_url}}}', `${BASE}/p/BBBB`);
  const out = rewriteLinks(rendered, indexOf, (i) => `${BASE}/t/c/token${i}`);

  it('sends every static link through its tracking URL, whatever the quoting, and repeats of a link share its index', () => {
    expect(out).toContain(`<a href="${BASE}/t/c/token0" style="color:#0b5cab" target="_blank">Book a flu shot</a>`);
    expect(out).toContain(`<a href="${BASE}/t/c/token0">Again</a>`);
    expect(out).toContain(`<a href="${BASE}/t/c/token1">Hours</a>`);
    expect(out).toContain(`<a class="btn" href="${BASE}/t/c/token2">Map</a>`);
    expect(out).toContain(`<a data-href="https://clinic.example/not-a-link" href="${BASE}/t/c/token3">Real</a>`);
    expect(out).toContain(`href="${BASE}/t/c/token4">`);
    expect(out).not.toContain('https://clinic.example/flu-shots');
  });

  it('keeps dynamic links, mailto:, tel:, anchors, the platform pages and stylesheets as they are', () => {
    for (const kept of [
      'href="https://portal.clinic.example/appointments/A-778"',
      `href="${BASE}/u/AAAA"`,
      `href="${BASE}/p/BBBB"`,
      'href="mailto:frontdesk@clinic.example"',
      'href="tel:+16175550100"',
      'href="#top"',
      `href="${BASE}/p/static-token"`,
      'href="https://fonts.googleapis.com/css?family=Ubuntu"',
    ]) {
      expect(out).toContain(kept);
    }
  });

  it('returns the HTML untouched when the version has no static link', () => {
    expect(rewriteLinks(rendered, new Map(), () => 'x')).toBe(rendered);
  });
});

describe('insertPixel', () => {
  it('goes right before the last </body>, or at the end without one', () => {
    const html = insertPixel('<html><body><p>Hi</p></BODY></html>', `${BASE}/t/o/tok.gif`);
    expect(html).toMatch(/<p>Hi<\/p><img src="https:\/\/mail\.clinic\.example\/t\/o\/tok\.gif" width="1" height="1" alt=""[^>]*\/><\/BODY><\/html>$/);
    expect(insertPixel('<p>Hi</p>', 'P')).toMatch(/^<p>Hi<\/p><img src="P"/);
  });
});

describe('helpers', () => {
  it('recognises the platform pages under PUBLIC_URL, with or without a trailing slash', () => {
    expect(isOwnPage(`${BASE}/u/x`, `${BASE}/`)).toBe(true);
    expect(isOwnPage('HTTPS://MAIL.CLINIC.EXAMPLE/p/x', BASE)).toBe(true);
    expect(isOwnPage(`${BASE}/about`, BASE)).toBe(false);
    expect(isOwnPage('https://clinic.example/u/x', BASE)).toBe(false);
  });

  it('decodes the entities of attribute values', () => {
    expect(decodeEntities('a&amp;b&#38;c&#x26;d&quot;&lt;&gt;&unknown;')).toBe('a&b&c&d"<>&unknown;');
  });
});
