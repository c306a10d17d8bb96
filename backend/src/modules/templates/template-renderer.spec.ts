import { describe, expect, it } from 'vitest';
import { TemplateRenderer } from './template-renderer.js';

describe('TemplateRenderer', () => {
  const source = (html: string) => ({ subject: 'Hi {{contact.firstName}}', preheader: '', html: `<html><body>${html}</body></html>` });

  it('recompiles a key whose source changed (an edited draft) and keeps the compiled one otherwise', () => {
    const renderer = new TemplateRenderer();
    const first = renderer.render('draft1', source('<p>One {{contact.firstName}}</p>'), { contact: { firstName: 'Ana' } });
    expect(first.html).toContain('One Ana');
    const edited = renderer.render('draft1', source('<p>Two {{contact.firstName}}</p>'), { contact: { firstName: 'Ana' } });
    expect(edited.html).toContain('Two Ana');
    expect(edited.html).not.toContain('One');
    expect(renderer.render('draft1', source('<p>Two {{contact.firstName}}</p>'), { contact: { firstName: 'Bo' } }).subject).toBe('Hi Bo');
  });

  it('formats dates in each contact’s own time zone and locale, render after render', () => {
    const renderer = new TemplateRenderer();
    const src = source('<p>{{formatDate when style="long"}}</p>');
    const when = '2026-03-08T03:30:00Z';
    const render = (timeZone: string, locale: string) => renderer.render('v1', src, { when, contact: { timeZone, locale } }).text;
    const expected = (timeZone: string, locale: string) =>
      new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(new Date(when));
    for (let i = 0; i < 3; i++) {
      expect(render('America/Los_Angeles', 'en-US')).toBe(expected('America/Los_Angeles', 'en-US'));
      expect(render('America/Los_Angeles', 'en-US')).toContain('March 7');
      expect(render('Europe/Madrid', 'es-ES')).toBe(expected('Europe/Madrid', 'es-ES'));
      expect(render('Europe/Madrid', 'es-ES')).toContain('8 de marzo');
      // Unknown zone and locale: UTC and en-US, never an error.
      expect(render('Not/AZone', 'xx-invalid-locale-tag-')).toBe(expected('UTC', 'en-US'));
    }
  });
});
