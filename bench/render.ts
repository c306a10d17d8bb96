/**
 * bench:render — µs per recipient to render the appointment-reminder starter (ten personalised fields:
 * name, appointment time in the contact's time zone and locale, place, links, organisation details)
 * through the real path (MJML compiled once per version by MjmlCompiler, then TemplateRenderer per
 * recipient: Handlebars for subject, preheader and HTML, plus the plain-text part), against the naive
 * way in the same run: Handlebars over the MJML source and an MJML compile for every recipient.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RenderContext } from '../backend/src/modules/templates/index.js';
import { bench, ROOT } from './lib.js';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 20_000);
const NAIVE_RECIPIENTS = Number(process.env.BENCH_NAIVE_RECIPIENTS ?? 30);
const STARTER = 'appointment-reminder';

interface Rendered {
  subject: string;
  html: string;
  text: string;
}
interface Renderer {
  render(key: string, source: { subject: string; preheader: string; html: string }, context: RenderContext): Rendered;
}
interface Compiler {
  compile(source: string): Promise<string>;
}

const dist = (path: string) => pathToFileURL(join(ROOT, 'backend/dist/backend/src', path)).href;
const FIRST_NAMES = ['Maria', 'James', 'Aiko', 'Oluwaseun', 'Chen', 'Fatima', 'Liam', 'Sofia'];
const ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/Madrid'];
const LOCALES = ['en-US', 'en-US', 'es-US', 'en-GB'];

/** Recipient i: ten fields that differ from one recipient to the next. */
function contextOf(i: number): RenderContext {
  return {
    contact: { firstName: FIRST_NAMES[i % FIRST_NAMES.length], timeZone: ZONES[i % ZONES.length], locale: LOCALES[i % LOCALES.length] },
    appointment: {
      startsAt: new Date(Date.UTC(2026, 11, 1 + (i % 28), 13 + (i % 6), (i * 7) % 60)).toISOString(),
      location: `Clinic ${i % 12}, Suite ${100 + (i % 40)}`,
      manage_url: `https://clinic.example/a/${(i * 7919).toString(36)}`,
    },
    organization_name: 'Riverside Health',
    organization_address: 'Riverside Health, 100 Main Street, Springfield, ST 00000',
    organization_phone: '(555) 010-0000',
    preferences_url: `https://clinic.example/p/${(i * 104729).toString(36)}`,
    unsubscribe_url: `https://clinic.example/u/${(i * 1299709).toString(36)}`,
  };
}

async function main() {
  const { TemplateRenderer } = (await import(dist('modules/templates/template-renderer.js'))) as { TemplateRenderer: new () => Renderer };
  const { MjmlCompiler } = (await import(dist('modules/templates/mjml-compiler.js'))) as { MjmlCompiler: new () => Compiler };
  const handlebars = (await import('handlebars')).default;
  const mjml = await readFile(join(ROOT, 'templates', STARTER, 'index.mjml'), 'utf8');
  const meta = JSON.parse(await readFile(join(ROOT, 'templates', STARTER, 'meta.json'), 'utf8')) as { subject: string; preheader: string };
  const compiler = new MjmlCompiler();
  const renderer = new TemplateRenderer();

  // Real path: one MJML compile per version (what publishing stores), Handlebars per recipient.
  const compileStarted = performance.now();
  const source = { subject: `{{default contact.firstName "Hello"}}, ${meta.subject}`, preheader: meta.preheader, html: await compiler.compile(mjml) };
  const compileMs = performance.now() - compileStarted;
  for (let i = 0; i < 200; i++) renderer.render('bench-v1', source, contextOf(i));
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < RECIPIENTS; i++) bytes += renderer.render('bench-v1', source, contextOf(i)).html.length;
  const usPerRecipient = ((performance.now() - started) * 1000) / RECIPIENTS;
  const sample = renderer.render('bench-v1', source, contextOf(3));
  if (!sample.html.includes('Oluwaseun') || !sample.text.includes('Clinic 3')) throw new Error('the rendered message lacks its personalised fields');

  // Naive: Handlebars over the MJML, then an MJML compile, for every recipient (the same helpers, so the output matches).
  const hbs = handlebars.create();
  hbs.registerHelper('default', (value: unknown, fallback: unknown) => (value === undefined || value === null || value === '' ? fallback : value));
  hbs.registerHelper('formatDate', (value: string, options: { hash: { style?: 'full' } }) =>
    new Intl.DateTimeFormat('en-US', { dateStyle: options.hash.style ?? 'medium', timeStyle: 'short' }).format(new Date(value)),
  );
  const personalise = hbs.compile(mjml);
  await compiler.compile(personalise(contextOf(0)));
  const naiveStarted = performance.now();
  for (let i = 0; i < NAIVE_RECIPIENTS; i++) await compiler.compile(personalise(contextOf(i)));
  const naiveUs = ((performance.now() - naiveStarted) * 1000) / NAIVE_RECIPIENTS;

  process.stderr.write(
    [
      '',
      `starter:           ${STARTER} (${source.html.length} bytes of compiled HTML; one MJML compile ${compileMs.toFixed(0)} ms)`,
      `real path:         ${RECIPIENTS} recipients, ${usPerRecipient.toFixed(1)} µs each (subject, preheader, HTML, plain text; ${(bytes / RECIPIENTS / 1024).toFixed(1)} KB each)`,
      `naive (MJML each): ${NAIVE_RECIPIENTS} recipients, ${(naiveUs / 1000).toFixed(1)} ms each`,
      `speedup:           ${(naiveUs / usPerRecipient).toFixed(0)}×`,
      '',
    ].join('\n'),
  );
  bench('render', {
    us_per_recipient: Number(usPerRecipient.toFixed(1)),
    naive_us_per_recipient: Math.round(naiveUs),
    speedup: Math.round(naiveUs / usPerRecipient),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
