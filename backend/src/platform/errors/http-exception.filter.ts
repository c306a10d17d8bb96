import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type FieldProblem } from './domain-error.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  fields?: FieldProblem[];
  errorId?: string;
}

const REASON: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  423: 'Locked',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** One place that turns any error into the uniform JSON body. A 500 shows only an errorId. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        statusCode: exception.status,
        error: REASON[exception.status] ?? 'Error',
        code: exception.code,
        message: exception.message,
        fields: exception.fields,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Errors from body parsing quote the request (a JSON SyntaxError shows the text): replace their message.
      const parserMessage = bodyParserMessage(exception.cause, status);
      if (parserMessage) return { statusCode: status, error: REASON[status] ?? 'Error', code: codeFor(status), message: parserMessage };
      if (status < 500) {
        const raw = exception.getResponse();
        const fields = typeof raw === 'object' && 'fields' in raw ? (raw as { fields: FieldProblem[] }).fields : undefined;
        return { statusCode: status, error: REASON[status] ?? 'Error', code: codeFor(status), message: messageOf(exception, raw), fields };
      }
    }
    const httpish = exception as { status?: unknown } | null;
    if (httpish && typeof httpish.status === 'number' && httpish.status >= 400 && httpish.status < 500) {
      const status = httpish.status;
      return {
        statusCode: status,
        error: REASON[status] ?? 'Error',
        code: codeFor(status),
        message: bodyParserMessage(exception, status) ?? REASON[status] ?? 'Bad request',
      };
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'Unhandled error');
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      code: 'internal_error',
      message: 'An internal error occurred',
      errorId,
    };
  }
}

function bodyParserMessage(cause: unknown, status: number): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const type = (cause as { type?: unknown }).type;
  if (type === 'entity.too.large' || status === 413) return 'Request body is larger than the limit';
  if (type === 'entity.parse.failed' || cause instanceof SyntaxError) return 'Request body is not valid JSON';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'Request body encoding is not supported';
  if (typeof type === 'string' && type.startsWith('entity.')) return 'Request body could not be read';
  return undefined;
}

function codeFor(status: number): string {
  return (REASON[status] ?? 'error').toLowerCase().replace(/\s+/g, '_');
}

function messageOf(exception: HttpException, raw: string | object): string {
  if (typeof raw === 'string') return raw;
  const message = (raw as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return exception.message;
}
