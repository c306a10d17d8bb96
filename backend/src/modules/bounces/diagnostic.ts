import { scrubText } from '../../platform/logging/index.js';

const MAX_LENGTH = 120;
// Anything shaped like an address, with or without a dot in the domain (`user@localhost`).
const ADDRESS_OR_QUOTE = /[<"]|[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/;
// A display name right before a cut address: up to four capitalised words.
const TRAILING_NAME = /(?:(?:^|\s+)\p{Lu}[\p{L}'.-]*){1,4}\s*$/u;
// Capitalised words in the middle of a sentence (after a lower-case word, no punctuation between): likely a name.
const CAPITALISED = String.raw`\p{Lu}\p{Ll}+(?![\p{L}\p{N}@_-])`;
const MID_SENTENCE_NAME = new RegExp(String.raw`(?<=(?:^|\s)\p{Ll}[\p{L}'-]*\s+)${CAPITALISED}(?:\s+${CAPITALISED})*`, 'gu');

/**
 * A short, PHI-free reason from an SMTP reply or a DSN's Diagnostic-Code, for the delivery row.
 * Receiving servers quote the recipient (`550 5.1.1 <jane.doe@example.org>: User unknown`, or with a display
 * name) and sometimes echo the message after it, so the text is cut at the first address, quote or angle
 * bracket together with a name right before it; `sensitive` words (the recipient's local part and display
 * name, taken from the same report) are removed wherever they appear, and so are capitalised words in the middle
 * of a sentence (`Mailbox disabled for Jane Doe`); dates and long numbers are masked. This is a best effort on
 * free text: it keeps the reason short and generic, at the price of dropping a proper noun now and then.
 * The reply code and enhanced status at the start are dropped: they are stored in fields of their own.
 */
export function shortDiagnostic(text: string | null | undefined, sensitive: readonly string[] = []): string | null {
  if (!text) return null;
  let t = text.replace(/\s+/g, ' ').trim();
  t = t.replace(/^[a-z][\w-]*\s*;\s*/i, '');
  t = t.replace(/^[245]\d\d(?:[ -]+[245]\.\d{1,3}\.\d{1,3})?(?=[ -]|$)[ -]*/, '');
  const cut = t.search(ADDRESS_OR_QUOTE);
  if (cut >= 0) t = t.slice(0, cut).replace(TRAILING_NAME, '');
  for (const word of sensitive) {
    if (word.length < 2) continue;
    t = t.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'giu'), '');
  }
  t = scrubText(t.replace(MID_SENTENCE_NAME, ''))
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s:;,.([-]+$/, '');
  if (t.length > MAX_LENGTH) t = `${t.slice(0, MAX_LENGTH).replace(/\s+\S*$/, '')}…`;
  return t || null;
}

/** The reply code at the start of an SMTP reply or a Diagnostic-Code (`smtp; 550 5.1.1 …`), if any. */
export function replyCodeOf(text: string | null | undefined): number | null {
  const match = /^(?:[a-z][\w-]*\s*;\s*)?([245]\d\d)(?![\d.])/i.exec(text?.trim() ?? '');
  return match ? Number(match[1]) : null;
}

/** An RFC 3463 enhanced status code (`5.1.1`) from the start of a Status field, or null. */
export function enhancedStatusOf(text: string | null | undefined): string | null {
  const match = /^([245])\.(\d{1,3})\.(\d{1,3})(?!\d)/.exec(text?.trim() ?? '');
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/** Words that may identify the recipient: letter runs of an address's local part or of a display name. */
export function identifyingWords(values: readonly string[]): string[] {
  const words = new Set<string>();
  for (const value of values) {
    const local = value.includes('@') ? value.slice(0, value.lastIndexOf('@')) : value;
    for (const word of local.split(/[^\p{L}\p{N}]+/u)) if (word.length >= 2) words.add(word.toLowerCase());
  }
  return [...words];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
