import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { DomainError } from '../../platform/errors/index.js';
import { htmlToText } from './html-to-text.js';
import type { RenderedEmail } from './templates.types.js';

/** What a send (or preview) provides: the contact's fields plus the links and address every email needs. */
export interface RenderContext {
  contact?: Record<string, unknown> & { timeZone?: string; locale?: string };
  unsubscribe_url?: string;
  preferences_url?: string;
  organization_address?: string;
  [key: string]: unknown;
}

export interface RenderSource {
  subject: string;
  preheader: string;
  /** MJML output, Handlebars expressions intact. */
  html: string;
}

interface Compiled {
  source: RenderSource;
  subject: Handlebars.TemplateDelegate;
  preheader: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
}

const DATE_STYLES = ['short', 'medium', 'long', 'full'] as const;
type DateStyle = (typeof DATE_STYLES)[number];

function isBlock(options: unknown): options is Handlebars.HelperOptions {
  return typeof (options as { fn?: unknown } | undefined)?.fn === 'function';
}

/** Remembers which time zones and locales are valid and keeps one formatter per style: building an Intl.DateTimeFormat costs ~50 µs. */
const MEMO_LIMIT = 1000;
const zones = new Map<string, boolean>();
const locales = new Map<string, boolean>();
const formatters = new Map<string, Intl.DateTimeFormat>();

function remember<K, V>(memo: Map<K, V>, key: K, make: () => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    value = make();
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, value);
  }
  return value;
}

function validTimeZone(tz: unknown): string | undefined {
  if (typeof tz !== 'string' || !tz) return undefined;
  const ok = remember(zones, tz, () => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  });
  return ok ? tz : undefined;
}

function validLocale(locale: unknown): string | undefined {
  if (typeof locale !== 'string' || !locale) return undefined;
  const ok = remember(locales, locale, () => {
    try {
      return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
    } catch {
      return false;
    }
  });
  return ok ? locale : undefined;
}

/**
 * `{{formatDate value tz=… locale=… style=short|medium|long|full time=true|false}}`: the date in
 * the contact's time zone (the `tz` given, else `contact.timeZone`, else UTC). Missing or
 * unparseable → empty string, so a template never shows "Invalid Date".
 */
export function formatDate(value: unknown, options: Handlebars.HelperOptions): string {
  if (value === undefined || value === null || value === '') return '';
  if (!(value instanceof Date) && typeof value !== 'string' && typeof value !== 'number') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const hash = options.hash as Record<string, unknown>;
  const root = (options.data as { root?: RenderContext } | undefined)?.root;
  const timeZone = validTimeZone(hash.tz) ?? validTimeZone(root?.contact?.timeZone) ?? 'UTC';
  const locale = validLocale(hash.locale) ?? validLocale(root?.contact?.locale) ?? 'en-US';
  const dateStyle: DateStyle = DATE_STYLES.includes(hash.style as DateStyle) ? (hash.style as DateStyle) : 'medium';
  const withTime = hash.time !== false && hash.time !== 'false';
  const formatter = remember(
    formatters,
    `${locale}|${timeZone}|${dateStyle}|${withTime}`,
    () => new Intl.DateTimeFormat(locale, { timeZone, dateStyle, ...(withTime ? { timeStyle: 'short' } : {}) }),
  );
  return formatter.format(date);
}

function createEnvironment(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('formatDate', formatDate);
  hbs.registerHelper('default', (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value));
  // `{{#if (eq a b)}}` as a subexpression, or `{{#eq a b}}…{{else}}…{{/eq}}` as a block.
  hbs.registerHelper('eq', function (this: unknown, a: unknown, b: unknown, options: unknown) {
    if (!isBlock(options)) return a === b;
    return a === b ? options.fn(this) : options.inverse(this);
  });
  return hbs;
}

const CACHE_LIMIT = 500;

/** Handlebars per recipient, on templates compiled once per version and kept in memory (~90 µs for an 11 KB starter with its plain-text part; bench:render). */
@Injectable()
export class TemplateRenderer {
  private readonly hbs = createEnvironment();
  private readonly textHbs = createEnvironment();
  private readonly cache = new Map<string, Compiled>();

  /** Parses all three parts now, so a syntax error surfaces at save or publish, not at send. */
  check(source: RenderSource): void {
    this.compile(source);
  }

  render(key: string, source: RenderSource, context: RenderContext): RenderedEmail {
    const compiled = this.compiled(key, source);
    const run = (fn: Handlebars.TemplateDelegate, part: string) => {
      try {
        return fn(context);
      } catch (err) {
        throw new DomainError('template_render_failed', `The ${part} could not be rendered: ${(err as Error).message.slice(0, 200)}`, 422);
      }
    };
    const subject = run(compiled.subject, 'subject').replace(/\s+/g, ' ').trim();
    const preheader = run(compiled.preheader, 'preheader').replace(/\s+/g, ' ').trim();
    const body = run(compiled.html, 'body');
    const text = htmlToText(body);
    return { subject, preheader, html: preheader ? withPreheader(body, preheader) : body, text };
  }

  /**
   * One compiled template per key (a published version's id, or a draft's), recompiled when the source under
   * the key changes (a draft edited). Comparing the strings costs less than hashing them on every render.
   */
  private compiled(key: string, source: RenderSource): Compiled {
    const hit = this.cache.get(key);
    if (hit && hit.source.html === source.html && hit.source.subject === source.subject && hit.source.preheader === source.preheader) return hit;
    const compiled = this.compile(source);
    if (!hit && this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, compiled);
    return compiled;
  }

  private compile(source: RenderSource): Compiled {
    const parse = (src: string, part: string) => {
      try {
        // Parse eagerly (Handlebars.compile is lazy) to report the line of a syntax error.
        this.hbs.parse(src);
      } catch (err) {
        const message = (err as Error).message.split('\n')[0].slice(0, 200);
        throw new DomainError('template_syntax', `Handlebars syntax error in the ${part}: ${message}`, 400, [{ field: part, message }]);
      }
    };
    parse(source.subject, 'subject');
    parse(source.preheader, 'preheader');
    parse(source.html, 'mjml');
    return {
      source: { subject: source.subject, preheader: source.preheader, html: source.html },
      // Subject and preheader are plain text: no HTML escaping.
      subject: this.textHbs.compile(source.subject, { noEscape: true, strict: false }),
      preheader: this.textHbs.compile(source.preheader, { noEscape: true, strict: false }),
      html: this.hbs.compile(source.html, { strict: false }),
    };
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The inbox preview line: hidden text at the top of the body. */
function withPreheader(html: string, preheader: string): string {
  const div = `<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;">${escapeHtml(preheader)}</div>`;
  const body = /<body\b[^>]*>/i.exec(html);
  return body ? html.slice(0, body.index + body[0].length) + div + html.slice(body.index + body[0].length) : div + html;
}
