import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from './html-to-text.js';

describe('htmlToText', () => {
  it('writes links as "text (url)" and keeps a bare url once', () => {
    expect(htmlToText('<p>Book <a href="https://x.test/book?a=1&amp;b=2">online</a> or visit <a href="https://x.test">https://x.test</a></p>')).toBe(
      'Book online (https://x.test/book?a=1&b=2) or visit https://x.test',
    );
  });

  it('keeps paragraphs and line breaks, collapses source whitespace', () => {
    const html = '<div>\n  <p>First   line<br/>second line</p>\n\n<p>Next\n paragraph</p>\n</div>';
    expect(htmlToText(html)).toBe('First line\nsecond line\n\nNext paragraph');
  });

  it('drops head, style, comments and tags, and decodes entities', () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body><!--[if mso]><table><![endif]--><p>Caf&eacute;? &lt;b&gt; &amp; &#8212; &#x2019;s&nbsp;ok</p></body></html>';
    expect(htmlToText(html)).toBe('Caf&eacute;? <b> & — ’s ok');
  });

  it('lists items and ignores images', () => {
    expect(htmlToText('<ul><li>One</li><li>Two</li></ul><img src="cid:x" alt="logo">')).toBe('- One\n- Two');
  });

  it('decodes numeric entities and leaves unknown ones', () => {
    expect(decodeEntities('&#61;&#x3D;&bogus;')).toBe('==&bogus;');
  });
});
