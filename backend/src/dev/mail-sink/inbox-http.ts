import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { renderErrorPage, renderInboxPage, renderMessagePage, renderNotFoundPage } from './inbox-views.js';
import { isMessageId, type MessageStore } from './message-store.js';

export interface InboxHttpOptions {
  store: MessageStore;
  /** The interface the server is bound to; requests must name it (or a loopback name) as their Host. */
  host: string;
  logger: { warn(obj: object, msg?: string): void };
}

// Scripts are blocked everywhere, including the message HTML: a srcdoc iframe inherits this policy.
// Inline styles stay allowed because e-mail HTML depends on them; images only as data: URIs, so
// viewing a message fetches nothing (no tracking pixel, no remote content).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];

interface Reply {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/** The web inbox as an `http.Server`, not yet listening. */
export function createInboxServer({ store, host, logger }: InboxHttpOptions): Server {
  const allowedHosts = allowedHostNames(host);
  return createServer((req, res) => {
    handle(req, store, allowedHosts)
      .catch((error: unknown) => {
        const errorId = randomUUID();
        logger.warn({ errorId, err: error instanceof Error ? error.message : String(error) }, 'mail sink inbox error');
        return isApiPath(req.url ?? '/') ? json(500, { error: 'internal_error', errorId }) : html(500, renderErrorPage(errorId));
      })
      .then(
        (reply) => send(res, reply),
        () => res.destroy(),
      );
  });
}

// Checking Host defeats DNS rebinding: a web page must not read the inbox through a name it controls.
function allowedHostNames(host: string): Set<string> | null {
  if (WILDCARD_HOSTS.includes(host)) return null;
  return new Set([...LOOPBACK_NAMES, host.includes(':') ? `[${host}]` : host].map((name) => name.toLowerCase()));
}

function hostAllowed(header: string | undefined, allowed: Set<string> | null): boolean {
  if (!allowed) return true;
  if (!header) return false;
  try {
    return allowed.has(new URL(`http://${header}`).hostname.toLowerCase());
  } catch {
    return false;
  }
}

async function handle(req: IncomingMessage, store: MessageStore, allowedHosts: Set<string> | null): Promise<Reply> {
  if (!hostAllowed(req.headers.host, allowedHosts)) return json(403, { error: 'forbidden_host' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const segments: (string | undefined)[] = url.pathname.split('/').filter(Boolean);
  const [first, second, third, ...rest] = segments;

  if (first === undefined) {
    return only(method, ['GET'], () => html(200, renderInboxPage(store.list(pageQuery(url)))));
  }
  if (first === 'messages' && second !== undefined && rest.length === 0 && (third === undefined || third === 'raw')) {
    if (!isMessageId(second)) return notFoundHtml();
    return only(method, ['GET'], async () => {
      if (third === 'raw') {
        const raw = await store.raw(second);
        if (!raw) return notFoundHtml();
        return {
          status: 200,
          type: 'message/rfc822',
          body: raw,
          headers: { 'Content-Disposition': `attachment; filename="${second}.eml"` },
        };
      }
      const message = await store.get(second);
      return message ? html(200, renderMessagePage(message)) : notFoundHtml();
    });
  }
  if (first === 'api' && second === 'messages' && rest.length === 0) {
    if (third === undefined) {
      return only(method, ['GET', 'DELETE'], async () =>
        method === 'DELETE' ? json(200, { deleted: await store.clear() }) : json(200, store.list(pageQuery(url))),
      );
    }
    if (!isMessageId(third)) return notFoundJson();
    return only(method, ['GET'], async () => {
      const message = await store.get(third);
      return message ? json(200, message) : notFoundJson();
    });
  }
  return isApiPath(url.pathname) ? notFoundJson() : notFoundHtml();
}

async function only(method: string, allowed: string[], reply: () => Reply | Promise<Reply>): Promise<Reply> {
  if (allowed.includes(method)) return reply();
  return {
    ...json(405, { error: 'method_not_allowed' }),
    headers: { Allow: allowed.includes('GET') ? [...allowed, 'HEAD'].join(', ') : allowed.join(', ') },
  };
}

function pageQuery(url: URL): { offset?: number; limit?: number } {
  const int = (name: string): number | undefined => {
    const value = url.searchParams.get(name);
    return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  return { offset: int('offset'), limit: int('limit') };
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

function html(status: number, body: string): Reply {
  return { status, type: HTML, body };
}

function json(status: number, value: unknown): Reply {
  return { status, type: JSON_TYPE, body: JSON.stringify(value) };
}

function notFoundHtml(): Reply {
  return html(404, renderNotFoundPage());
}

function notFoundJson(): Reply {
  return json(404, { error: 'not_found' });
}

function send(res: ServerResponse, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, {
    ...SECURITY_HEADERS,
    ...reply.headers,
    'Content-Type': reply.type,
    'Content-Length': String(body.length),
  });
  res.end(body);
}
