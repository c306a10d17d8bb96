import type { MessagePage, StoredMessage, StoredMessageMeta } from './message-store.js';

/**
 * HTML for the web inbox. Every value that came from a message goes through `escapeHtml`;
 * the message's own HTML is only ever placed, escaped, in a sandboxed iframe's `srcdoc`.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem; color: #1b1f24; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  th { background: #f3f5f7; }
  a { color: #0550ae; }
  nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; }
  nav a { display: inline-block; padding: .3rem .8rem; border: 1px solid #d8dee4; border-radius: .4rem; text-decoration: none; }
  nav a:focus, nav a:hover { background: #eef4fb; }
  section:target h2 { color: #0550ae; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  pre { background: #f6f8fa; padding: .75rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
  iframe { width: 100%; height: 60vh; border: 1px solid #d8dee4; resize: vertical; background: #fff; }
  .tls { font-family: ui-monospace, monospace; font-size: .85em; }
  .insecure { color: #a40e26; font-weight: 600; }
  .muted { color: #57606a; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Mail sink</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function tlsLabel(tls: StoredMessageMeta['tls']): string {
  if (!tls.protocol && !tls.cipher) return '<span class="insecure">no TLS</span>';
  return `<span class="tls">${escapeHtml(tls.protocol ?? '?')} ${escapeHtml(tls.cipher ?? '?')}</span>`;
}

function time(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>`;
}

function orNone(value: string | null): string {
  return value ? escapeHtml(value) : '<span class="muted">(none)</span>';
}

function messageHref(id: string): string {
  return `/messages/${encodeURIComponent(id)}`;
}

export function renderInboxPage(page: MessagePage): string {
  const rows = page.items
    .map(
      (m) => `<tr>
<td>${time(m.receivedAt)}</td>
<td>${orNone(m.from)}</td>
<td>${orNone(m.to)}</td>
<td><a href="${messageHref(m.id)}">${m.subject ? escapeHtml(m.subject) : '(no subject)'}</a></td>
<td>${tlsLabel(m.tls)}</td>
</tr>`,
    )
    .join('\n');
  const table = page.items.length
    ? `<table>
<caption class="muted">Messages ${page.offset + 1}–${page.offset + page.items.length} of ${page.total}, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">TLS</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p>No messages yet.</p>';
  const links = [
    page.offset > 0 ? `<a href="/?offset=${Math.max(0, page.offset - page.limit)}&amp;limit=${page.limit}">Newer</a>` : '',
    page.offset + page.items.length < page.total ? `<a href="/?offset=${page.offset + page.limit}&amp;limit=${page.limit}">Older</a>` : '',
  ].filter(Boolean);
  return layout(
    'Inbox',
    `<header><h1>Mail sink inbox</h1>
<p class="muted">Every message sent to this development SMTP server (STARTTLS required). Clear it with <code>curl -X DELETE …/api/messages</code>.</p></header>
<main>
${table}
${links.length ? `<nav aria-label="Pages"><ul>${links.map((link) => `<li>${link}</li>`).join('')}</ul></nav>` : ''}
</main>`,
  );
}

export function renderMessagePage(m: StoredMessage): string {
  const title = m.subject ?? '(no subject)';
  const sections: Array<{ id: string; label: string; body: string }> = [
    {
      id: 'html',
      label: 'HTML',
      body: m.html
        ? `<iframe sandbox="" referrerpolicy="no-referrer" title="HTML body of the message" srcdoc="${escapeHtml(m.html)}"></iframe>`
        : '<p>This message has no HTML part.</p>',
    },
    {
      id: 'text',
      label: 'Plain text',
      body: m.text ? `<pre>${escapeHtml(m.text)}</pre>` : '<p>This message has no plain-text part.</p>',
    },
    {
      id: 'headers',
      label: 'Headers',
      body: `<pre>${escapeHtml(m.headers.map((h) => h.line).join('\n'))}</pre>`,
    },
    {
      id: 'delivery',
      label: 'Delivery & TLS',
      body: `<dl>
<dt>TLS protocol</dt><dd>${orNone(m.tls.protocol)}</dd>
<dt>TLS cipher</dt><dd>${orNone(m.tls.cipher)}</dd>
<dt>MAIL FROM</dt><dd>${escapeHtml(`<${m.envelope.mailFrom}>`)}</dd>
<dt>RCPT TO</dt><dd>${m.envelope.rcptTo.map((rcpt) => escapeHtml(`<${rcpt}>`)).join('<br>')}</dd>
<dt>Client address</dt><dd>${escapeHtml(m.remoteAddress)}</dd>
<dt>Received</dt><dd>${time(m.receivedAt)}</dd>
<dt>Size</dt><dd>${m.size} bytes</dd>
</dl>`,
    },
    {
      id: 'attachments',
      label: `Attachments (${m.attachments.length})`,
      body: m.attachments.length
        ? `<ul>${m.attachments.map((a) => `<li>${orNone(a.filename)} — ${escapeHtml(a.contentType)}, ${a.size} bytes</li>`).join('')}</ul>`
        : '<p>None.</p>',
    },
  ];
  return layout(
    title,
    `<header>
<p><a href="/">← Inbox</a></p>
<h1>${escapeHtml(title)}</h1>
<dl>
<dt>From</dt><dd>${orNone(m.from)}</dd>
<dt>To</dt><dd>${orNone(m.to)}</dd>
<dt>Message-ID</dt><dd>${orNone(m.messageId)}</dd>
<dt>TLS</dt><dd>${tlsLabel(m.tls)}</dd>
</dl>
<nav aria-label="Message parts"><ul>
${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.label)}</a></li>`).join('\n')}
<li><a href="${messageHref(m.id)}/raw">Raw .eml</a></li>
</ul></nav>
</header>
<main>
${sections
  .map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-title"><h2 id="${s.id}-title">${escapeHtml(s.label)}</h2>\n${s.body}</section>`)
  .join('\n')}
</main>`,
  );
}

export function renderNotFoundPage(): string {
  return layout('Not found', '<main><h1>Not found</h1><p>No such message. <a href="/">Back to the inbox</a>.</p></main>');
}

export function renderErrorPage(errorId: string): string {
  return layout('Error', `<main><h1>Something went wrong</h1><p>Error id: <code>${escapeHtml(errorId)}</code></p></main>`);
}
