import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Variables whose values are never printed, in errors or in the masked config dump. */
export const SECRET_VARIABLES = new Set(['DATABASE_URL', 'REDIS_URL', 'MASTER_KEY', 'SMTP_RELAY_URL', 'METRICS_TOKEN', 'BACKUP_ENCRYPTION_KEY']);

const port = z.coerce
  .number({ error: 'expected an integer from 1 to 65535' })
  .int('expected an integer from 1 to 65535')
  .min(1, 'expected an integer from 1 to 65535')
  .max(65535, 'expected an integer from 1 to 65535');

/** A port where 0 means "off" (optional listeners such as the inbound SMTP receiver). */
const portOrOff = z.coerce
  .number({ error: 'expected 0 (off) or an integer from 1 to 65535' })
  .int('expected 0 (off) or an integer from 1 to 65535')
  .min(0, 'expected 0 (off) or an integer from 1 to 65535')
  .max(65535, 'expected 0 (off) or an integer from 1 to 65535');

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').default(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string({ error: 'required' }).refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** `*=127.0.0.1:2525,example.org=mx.example.org:25`: Postfix-style transport map. */
const transportMap = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const routes: TransportRoute[] = [];
    for (const entry of raw
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const match = /^([*a-z0-9.-]+)=([a-z0-9.-]+|\[[0-9a-f:.]+\]):(\d{1,5})$/i.exec(entry);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `expected domain=host:port entries separated by commas, bad entry "${entry}"` });
        return z.NEVER;
      }
      routes.push({ domain: match[1].toLowerCase(), host: match[2].replace(/^\[|\]$/g, ''), port: Number(match[3]) });
    }
    return routes;
  });

export interface TransportRoute {
  domain: string;
  host: string;
  port: number;
}

const masterKey = z
  .string()
  .optional()
  .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
    message: 'expected 32 bytes, base64-encoded (openssl rand -base64 32)',
  });

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'expected development, production or test' }).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(3000),
    PUBLIC_URL: url(['http:', 'https:']).optional(),
    DATABASE_URL: url(['postgres:', 'postgresql:']),
    DATABASE_POOL_SIZE: positiveInt(10),
    REDIS_URL: url(['redis:', 'rediss:']),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/i, 'expected letters, digits, - or _')
      .default('hm'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'expected fatal, error, warn, info, debug, trace or silent' })
      .default('info'),
    MASTER_KEY: masterKey,
    MASTER_KEY_FILE: z.string().optional(),
    // Encrypts backup files (the backup and restore commands require it); a separate secret, so a backup never holds the key that reads it.
    BACKUP_ENCRYPTION_KEY: masterKey,
    BACKUP_ENCRYPTION_KEY_FILE: z.string().optional(),
    SESSION_IDLE_MINUTES: positiveInt(15),
    SESSION_ABSOLUTE_HOURS: positiveInt(12),
    TRUST_PROXY: bool(false),
    ADMIN_UI_DIR: z.string().optional(),
    SMTP_TRANSPORT_MAP: transportMap,
    SMTP_CA_FILE: z.string().optional(),
    // Inbound SMTP for DSN bounces and ARF complaints (worker processes); off unless a port is set.
    INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    INBOUND_SMTP_PORT: portOrOff.default(0),
    INBOUND_SMTP_TLS_CERT_FILE: z.string().optional(),
    INBOUND_SMTP_TLS_KEY_FILE: z.string().optional(),
    BOUNCE_DOMAIN: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'expected a domain name such as bounces.example.org')
      .default('bounces.localhost')
      .transform((v) => v.toLowerCase()),
    SMTP_RELAY_URL: url(['smtp:', 'smtps:']).optional(),
    SMTP_MX_PORT: port.default(25),
    SMTP_HELO_NAME: z.string().min(1).default('localhost'),
    SMTP_TIMEOUT_SECONDS: positiveInt(60),
    DNS_SERVERS: z
      .string()
      .regex(/^(\s*[0-9a-f.:[\]]+\s*)(,\s*[0-9a-f.:[\]]+\s*)*$/i, 'expected IP[:port] entries separated by commas')
      .optional(),
    MTA_STS_HTTPS_PORT: port.default(443),
    DELIVERY_CONCURRENCY: positiveInt(4),
    DELIVERY_BATCH_SIZE: positiveInt(100),
    DELIVERY_DOMAIN_CONNECTIONS: positiveInt(4),
    DELIVERY_RATE_PER_SECOND: z.coerce.number({ error: 'expected a number' }).int().min(0).default(0),
    DELIVERY_DOMAIN_RATE_PER_MINUTE: z.coerce.number({ error: 'expected a number' }).int().min(0).default(0),
    DELIVERY_RETRY_BASE_SECONDS: positiveInt(60),
    DELIVERY_RETRY_HOURS: positiveInt(48),
    FREQUENCY_CAP_PER_WEEK: z.coerce.number({ error: 'expected a number' }).int().min(0).default(0),
    DOMAIN_PROBE_HOURS: positiveInt(24),
    // Campaigns: four-eyes approval by default; fan-out batch size; how often the scheduler starts due campaigns and heals
    // lost work, and after how long a claimed delivery counts as lost with its worker, or a queued one as lost with its job.
    CAMPAIGN_FOUR_EYES: bool(true),
    CAMPAIGN_FANOUT_BATCH: positiveInt(1000),
    CAMPAIGN_SWEEP_SECONDS: positiveInt(15),
    CAMPAIGN_STUCK_SENDING_SECONDS: positiveInt(600),
    CAMPAIGN_REQUEUE_AFTER_SECONDS: positiveInt(120),
    ORGANIZATION_NAME: z.string().min(1).default('Example Health'),
    ORGANIZATION_ADDRESS: z.string().min(1).default('Example Health, 100 Main Street, Springfield, ST 00000'),
    IMPORT_MAX_BYTES: positiveInt(5 * 1024 * 1024 * 1024),
    // HL7 v2 over MLLP (worker processes); off unless a port is set. Inbound raw payloads are kept (encrypted) this many days.
    HL7_MLLP_HOST: z.string().min(1).default('127.0.0.1'),
    HL7_MLLP_PORT: portOrOff.default(0),
    INBOUND_RETENTION_DAYS: positiveInt(30),
    // Outbound webhooks: exponential backoff from the base, retried until the window has passed, then dead-lettered.
    WEBHOOK_RETRY_BASE_SECONDS: positiveInt(30),
    WEBHOOK_RETRY_WINDOW_SECONDS: positiveInt(24 * 3600),
    WEBHOOK_TIMEOUT_SECONDS: positiveInt(10),
    MAIL_FROM: z.string().min(3).default('HIPAA Mail <no-reply@hipaa-mail.local>'),
    METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
    HEARTBEAT_SECONDS: positiveInt(30),
    RATE_LIMIT_LOGIN_PER_MINUTE: positiveInt(20),
    RATE_LIMIT_PUBLIC_PER_MINUTE: positiveInt(300),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 1mb or 512kb')
      .default('1mb'),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.BACKUP_ENCRYPTION_KEY && cfg.BACKUP_ENCRYPTION_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['BACKUP_ENCRYPTION_KEY_FILE'], message: 'set BACKUP_ENCRYPTION_KEY or BACKUP_ENCRYPTION_KEY_FILE, not both' });
    }
    if (cfg.MASTER_KEY && cfg.MASTER_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['MASTER_KEY_FILE'], message: 'set MASTER_KEY or MASTER_KEY_FILE, not both' });
    }
    if (!cfg.INBOUND_SMTP_TLS_CERT_FILE !== !cfg.INBOUND_SMTP_TLS_KEY_FILE) {
      const missing = cfg.INBOUND_SMTP_TLS_CERT_FILE ? 'INBOUND_SMTP_TLS_KEY_FILE' : 'INBOUND_SMTP_TLS_CERT_FILE';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'set INBOUND_SMTP_TLS_CERT_FILE and INBOUND_SMTP_TLS_KEY_FILE together' });
    }
    if (!cfg.MASTER_KEY && !cfg.MASTER_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['MASTER_KEY'], message: 'required (or MASTER_KEY_FILE): 32 bytes, base64-encoded' });
    }
  });

export type AppConfig = Omit<z.output<typeof configSchema>, 'PUBLIC_URL' | 'MASTER_KEY'> & { PUBLIC_URL: string; MASTER_KEY: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable (never echoing a secret). */
export function parseConfig(env: NodeJS.ProcessEnv): AppConfig {
  const input: Partial<Record<string, string>> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issues = [...result.error.issues];
    // The cross-field rule runs only on an otherwise valid object; name the missing key anyway.
    if (!input.MASTER_KEY && !input.MASTER_KEY_FILE && !issues.some((i) => i.path[0] === 'MASTER_KEY')) {
      issues.push({ code: 'custom', path: ['MASTER_KEY'], message: 'required (or MASTER_KEY_FILE): 32 bytes, base64-encoded', input: undefined });
    }
    const problems = issues.map((issue) => {
      const name = String(issue.path[0] ?? 'config');
      const message = issue.code === 'invalid_type' && input[name] === undefined ? 'required' : issue.message;
      const shown = input[name] !== undefined && !SECRET_VARIABLES.has(name) ? ` (got "${truncate(input[name])}")` : '';
      return `${name}: ${message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const cfg = result.data;
  if (cfg.MASTER_KEY_FILE) cfg.MASTER_KEY = readKeyFile('MASTER_KEY_FILE', cfg.MASTER_KEY_FILE);
  if (cfg.BACKUP_ENCRYPTION_KEY_FILE) cfg.BACKUP_ENCRYPTION_KEY = readKeyFile('BACKUP_ENCRYPTION_KEY_FILE', cfg.BACKUP_ENCRYPTION_KEY_FILE);
  if (cfg.BACKUP_ENCRYPTION_KEY && cfg.MASTER_KEY && Buffer.from(cfg.BACKUP_ENCRYPTION_KEY, 'base64').equals(Buffer.from(cfg.MASTER_KEY, 'base64'))) {
    throw new ConfigError(['BACKUP_ENCRYPTION_KEY: must differ from MASTER_KEY (a backup must not be readable with the key it protects)']);
  }
  return { ...cfg, MASTER_KEY: cfg.MASTER_KEY ?? '', PUBLIC_URL: cfg.PUBLIC_URL ?? `http://localhost:${cfg.PORT}` };
}

/** The configuration with secrets replaced, for a startup log line or an admin screen. */
export function maskedConfig(cfg: AppConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries<unknown>(cfg).map(([key, value]) => [key, SECRET_VARIABLES.has(key) && value !== undefined ? '***' : value]));
}

/** A 32-byte key, base64, from a file (a Docker or Kubernetes secret). */
function readKeyFile(variable: string, path: string): string {
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch {
    throw new ConfigError([`${variable}: file cannot be read`]);
  }
  if (Buffer.from(key, 'base64').length !== 32) throw new ConfigError([`${variable}: expected 32 bytes, base64-encoded`]);
  return key;
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
