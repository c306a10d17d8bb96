import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { z } from 'zod';

const tlsSessionSchema = z.object({
  protocol: z.string().nullable(),
  cipher: z.string().nullable(),
});

const storedMessageMetaSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  envelope: z.object({ mailFrom: z.string(), rcptTo: z.array(z.string()) }),
  remoteAddress: z.string(),
  tls: tlsSessionSchema,
  size: z.number().int().nonnegative(),
  subject: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  messageId: z.string().nullable(),
});

/** The negotiated TLS version (eg. `TLSv1.3`) and cipher name of the SMTP session. */
export type TlsSessionInfo = z.infer<typeof tlsSessionSchema>;
/** What the sink knows about a message without reading its body; persisted as `<id>.json`. */
export type StoredMessageMeta = z.infer<typeof storedMessageMetaSchema>;

export interface ReceivedMessage {
  raw: Buffer;
  envelope: StoredMessageMeta['envelope'];
  remoteAddress: string;
  tls: TlsSessionInfo;
}

export interface StoredMessage extends StoredMessageMeta {
  html: string | null;
  text: string | null;
  headers: Array<{ name: string; line: string }>;
  attachments: Array<{ filename: string | null; contentType: string; size: number }>;
}

export interface MessagePage {
  total: number;
  offset: number;
  limit: number;
  items: StoredMessageMeta[];
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Received messages on disk (`<dataDir>/messages/<id>.eml` and `<id>.json`) with an
 * in-memory index of their metadata, oldest first. The `.json` is written last, so a
 * message without one was never acknowledged to its sender and is ignored.
 */
export class MessageStore {
  readonly #dir: string;
  readonly #index: StoredMessageMeta[];
  readonly #byId: Map<string, StoredMessageMeta>;

  private constructor(dir: string, metas: StoredMessageMeta[]) {
    this.#dir = dir;
    this.#index = metas;
    this.#byId = new Map(metas.map((meta) => [meta.id, meta]));
  }

  /** Opens the store in `dataDir`, reloading the messages already there. Skipped files are returned by name. */
  static async open(dataDir: string): Promise<{ store: MessageStore; skipped: string[] }> {
    const dir = join(dataDir, 'messages');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { metas, skipped } = await loadMetas(dir);
    return { store: new MessageStore(dir, metas), skipped };
  }

  get count(): number {
    return this.#index.length;
  }

  async save(message: ReceivedMessage): Promise<StoredMessageMeta> {
    const id = randomBytes(16).toString('base64url');
    const parsed = await parseOrNull(message.raw);
    const meta: StoredMessageMeta = {
      id,
      receivedAt: new Date().toISOString(),
      envelope: message.envelope,
      remoteAddress: message.remoteAddress,
      tls: message.tls,
      size: message.raw.length,
      subject: parsed?.subject ?? null,
      from: parsed?.from?.text ?? null,
      to: addressText(parsed?.to),
      messageId: parsed?.messageId ?? null,
    };
    await writeFile(this.#path(id, 'eml'), message.raw, { mode: 0o600 });
    const tmp = this.#path(id, 'json.tmp');
    await writeFile(tmp, JSON.stringify(meta, null, 2), { mode: 0o600 });
    await rename(tmp, this.#path(id, 'json'));
    this.#index.push(meta);
    this.#byId.set(id, meta);
    return meta;
  }

  /** Newest first. */
  list(page: { offset?: number; limit?: number } = {}): MessagePage {
    const offset = clamp(page.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = clamp(page.limit ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const end = this.#index.length - offset;
    const items = end > 0 ? this.#index.slice(Math.max(0, end - limit), end).reverse() : [];
    return { total: this.#index.length, offset, limit, items };
  }

  getMeta(id: string): StoredMessageMeta | null {
    return this.#byId.get(id) ?? null;
  }

  async get(id: string): Promise<StoredMessage | null> {
    const meta = this.getMeta(id);
    const raw = meta && (await this.raw(id));
    if (!meta || !raw) return null;
    const parsed = await parseOrNull(raw);
    return {
      ...meta,
      html: parsed?.html || null,
      text: parsed?.text ?? null,
      headers: (parsed?.headerLines ?? []).map(({ key, line }) => ({ name: key, line })),
      attachments: (parsed?.attachments ?? []).map((a) => ({
        filename: a.filename ?? null,
        contentType: a.contentType,
        size: a.size,
      })),
    };
  }

  async raw(id: string): Promise<Buffer | null> {
    if (!this.#byId.has(id)) return null;
    try {
      return await readFile(this.#path(id, 'eml'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Deletes every message, including leftovers of interrupted writes. Returns how many were indexed. */
  async clear(): Promise<number> {
    const deleted = this.#index.length;
    this.#index.length = 0;
    this.#byId.clear();
    const names = await readdir(this.#dir);
    await Promise.all(names.filter((name) => /\.(eml|json|tmp)$/.test(name)).map((name) => rm(join(this.#dir, name), { force: true })));
    return deleted;
  }

  #path(id: string, ext: 'eml' | 'json' | 'json.tmp'): string {
    if (!ID_PATTERN.test(id)) throw new Error('Invalid message id');
    return join(this.#dir, `${id}.${ext}`);
  }
}

export function isMessageId(value: string): boolean {
  return ID_PATTERN.test(value);
}

async function loadMetas(dir: string): Promise<{ metas: StoredMessageMeta[]; skipped: string[] }> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  const metas: StoredMessageMeta[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const meta = await readMeta(join(dir, name));
    if (meta && `${meta.id}.json` === name && ID_PATTERN.test(meta.id)) metas.push(meta);
    else skipped.push(name);
  }
  metas.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  return { metas, skipped };
}

async function readMeta(path: string): Promise<StoredMessageMeta | null> {
  try {
    const result = storedMessageMetaSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

// A sink keeps whatever it is given: a message mailparser cannot make sense of is still stored raw.
async function parseOrNull(raw: Buffer): Promise<ParsedMail | null> {
  try {
    return await simpleParser(raw);
  } catch {
    return null;
  }
}

function addressText(value: AddressObject | AddressObject[] | undefined): string | null {
  if (!value) return null;
  return (Array.isArray(value) ? value : [value]).map((address) => address.text).join(', ');
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : min;
}
