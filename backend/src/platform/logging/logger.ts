import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { redact, scrubText } from './redact.js';

/**
 * Structured JSON logs. Every argument goes through the redaction layer in pino's
 * logMethod hook, so nothing reaches the stream unredacted, whoever calls the logger.
 */
export function createLogger(options: { level?: LevelWithSilent; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, proc: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already turned into redacted plain objects by the hook below.
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          const safe = args.map((arg) => redact(arg)) as Parameters<typeof method>;
          method.apply(this, safe);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Adapts pino to Nest's LoggerService so framework messages are redacted and structured too. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]) {
    // Nest passes the context (class name) as the last string parameter, and a stack before it for errors.
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? scrubText(params.shift() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (params.length) fields.params = params;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      // Nest services log `(fields, 'message')`: the message arrives as the first parameter.
      const msg =
        typeof fields.params === 'object' && Array.isArray(fields.params) && typeof fields.params[0] === 'string'
          ? (fields.params.shift() as string)
          : undefined;
      if (Array.isArray(fields.params) && fields.params.length === 0) delete fields.params;
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) }, msg);
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
