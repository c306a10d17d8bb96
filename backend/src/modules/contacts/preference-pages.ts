import type { PreferencePage } from './preference-center.service.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1a1a1a; background: #f5f7fa; margin: 0; line-height: 1.5; }
  main { max-width: 36rem; margin: 2rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.5rem; margin-top: 0; }
  fieldset { border: 1px solid #ccd3dc; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
  legend { font-weight: 600; padding: 0 .25rem; }
  label { display: flex; gap: .6rem; align-items: flex-start; margin: .6rem 0; cursor: pointer; }
  input[type=checkbox] { width: 1.2rem; height: 1.2rem; margin-top: .15rem; }
  .desc { color: #4a5563; font-size: .9rem; display: block; }
  button { font: inherit; padding: .6rem 1.1rem; border-radius: 4px; border: 1px solid #0b5cab; background: #0b5cab; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #a4262c; border-color: #a4262c; }
  button:focus, input:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
  .note { color: #4a5563; font-size: .9rem; }
  .status { padding: .75rem 1rem; border-radius: 6px; background: #e6f4ea; color: #1e4620; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

export function preferencesPage(page: PreferencePage, token: string, notice?: string): string {
  const marketing = page.topics.filter((t) => t.kind === 'marketing');
  const transactional = page.topics.filter((t) => t.kind === 'transactional');
  const action = `/p/${encodeURIComponent(token)}`;
  return layout(
    'E-mail preferences',
    `<h1>E-mail preferences</h1>
<p>Choose what we may send to <strong>${esc(page.emailMasked)}</strong>.</p>
${notice ? `<p class="status" role="status">${esc(notice)}</p>` : ''}
<form method="post" action="${action}">
  <fieldset>
    <legend>Subscriptions</legend>
    ${
      marketing.length
        ? marketing
            .map(
              (t) =>
                `<label><input type="checkbox" name="topic" value="${esc(t.key)}"${t.subscribed ? ' checked' : ''}><span>${esc(t.name)}${t.description ? `<span class="desc">${esc(t.description)}</span>` : ''}</span></label>`,
            )
            .join('\n    ')
        : '<p class="note">There are no subscriptions to choose from.</p>'
    }
  </fieldset>
  <button type="submit">Save my preferences</button>
</form>
<form method="post" action="${action}/unsubscribe">
  <p class="note">Unsubscribing from all marketing e-mail takes effect immediately.</p>
  <button type="submit" class="secondary">Unsubscribe from all marketing e-mail</button>
</form>
${transactional.length ? `<p class="note">Messages about your care (${transactional.map((t) => esc(t.name)).join(', ')}) are not marketing and are not affected.</p>` : ''}`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p class="status" role="status">${esc(message)}</p>`);
}

/** A page whose one button POSTs to `action`: links in e-mails act only on a press, never on the GET a scanner prefetches. */
export function buttonPage(page: { title: string; text: string; action: string; button: string; fields?: Record<string, string> }): string {
  const hidden = Object.entries(page.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('');
  return layout(
    page.title,
    `<h1>${esc(page.title)}</h1><p>${esc(page.text)}</p>
<form method="post" action="${esc(page.action)}">${hidden}<button type="submit">${esc(page.button)}</button></form>`,
  );
}

export function confirmPage(token: string): string {
  return buttonPage({
    title: 'Confirm your subscription',
    text: 'Press the button to confirm that you want to receive these e-mails.',
    action: `/p/confirm/${encodeURIComponent(token)}`,
    button: 'Confirm my subscription',
  });
}

export const LINK_INVALID = messagePage('Link not valid', 'This link is not valid or has expired. Use the link in a more recent e-mail from us.');
