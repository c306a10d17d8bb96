import { HttpError } from 'react-admin';

/** Every backend route lives under this prefix; the dev server and the backend both serve it same-origin. */
export const API_PREFIX = '/api/v1';

const CSRF_COOKIE = 'hm_csrf';
const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const VALIDATION_STATUSES = new Set([400, 422]);

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiFieldError {
  field: string;
  message: string;
}

/** The shape of every error the backend returns. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  /** Machine-readable reason, e.g. `last_admin`, `rotation_running`, `password_policy`. */
  code?: string;
  message: string;
  fields?: ApiFieldError[];
  errorId?: string;
}

/**
 * What rejects a failed call: the backend body, plus `errors` keyed by field so that react-admin
 * forms show server-side validation messages next to their inputs. Only validation answers (400,
 * 422) carry them: a conflict (409, e.g. demoting the last administrator) is about the state of
 * the system, and its message is what the user needs to read.
 */
export interface HttpErrorBody extends Partial<ApiErrorBody> {
  errors?: Record<string, string>;
}

export interface RequestOptions {
  method?: HttpMethod;
  /** Serialised as JSON. */
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === name) {
      return decodeURIComponent(part.slice(separator + 1).trim());
    }
  }
  return undefined;
}

function buildUrl(path: string, query: RequestOptions['query']): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) search.set(key, String(value));
  }
  const qs = search.toString();
  return `${API_PREFIX}${path}${qs ? `?${qs}` : ''}`;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return null;
  const text = await response.text();
  if (!text) return null;
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isApiErrorBody(body: unknown): body is Partial<ApiErrorBody> {
  return typeof body === 'object' && body !== null && 'message' in body;
}

function errorMessage(body: unknown, status: number): string {
  if (isApiErrorBody(body)) {
    const message: unknown = body.message;
    if (typeof message === 'string' && message) return message;
    // Some framework errors carry a list of messages.
    if (Array.isArray(message) && message.length > 0) return message.map(String).join('; ');
  }
  if (status >= 500) return 'The server could not complete the request. Please try again.';
  return `Request failed (${status})`;
}

/** `is too common` → `Is too common`: shown on its own under the input it is about. */
const sentenceCase = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/** The message of one field, from an error a call rejected with. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof HttpError)) return undefined;
  const body = error.body as HttpErrorBody | undefined;
  return body?.errors?.[field];
}

/** Every field problem the backend named, as sent (the field paths unchanged, e.g. `mapping.<column>`). */
export function fieldProblems(error: unknown): ApiFieldError[] {
  if (!(error instanceof HttpError)) return [];
  return (error.body as HttpErrorBody | undefined)?.fields ?? [];
}

/** The backend's error code, from an error a call rejected with. */
export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof HttpError)) return undefined;
  return (error.body as HttpErrorBody | undefined)?.code;
}

function toHttpError(body: unknown, status: number): HttpError {
  const errorBody: HttpErrorBody = isApiErrorBody(body) ? { ...body } : {};
  if (errorBody.fields?.length && VALIDATION_STATUSES.has(status)) {
    errorBody.errors = Object.fromEntries(errorBody.fields.map((f) => [f.field, sentenceCase(f.message)]));
  }
  let message = errorMessage(body, status);
  if (status >= 500 && errorBody.errorId) message = `${message} (error id ${errorBody.errorId})`;
  return new HttpError(message, status, errorBody);
}

function csrfHeader(): Record<string, string> {
  const csrf = readCookie(CSRF_COOKIE);
  return csrf ? { [CSRF_HEADER]: csrf } : {};
}

export interface UploadOptions {
  /** Extra request headers (e.g. `x-file-name`). */
  headers?: Record<string, string>;
  /** Bytes sent so far out of the file's size, as the browser reports them. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * POSTs a file as the raw request body (no multipart, no JSON), with the same cookies, CSRF
 * header and error shape as `httpClient`. XMLHttpRequest rather than fetch: only it reports
 * upload progress.
 */
export function uploadFile<T = unknown>(path: string, file: Blob, contentType: string, options: UploadOptions = {}): Promise<HttpResponse<T>> {
  return new Promise<HttpResponse<T>>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', buildUrl(path, undefined));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', contentType);
    for (const [name, value] of Object.entries({ ...csrfHeader(), ...options.headers })) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      const text = xhr.responseText;
      const isJson = (xhr.getResponseHeader('content-type') ?? '').includes('json');
      let body: unknown = text || null;
      if (text && isJson) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, body: body as T });
      else reject(toHttpError(body, xhr.status));
    };
    xhr.onerror = () => reject(new HttpError('Cannot reach the server. Check your connection and try again.', 0, {}));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    if (options.signal) {
      if (options.signal.aborted) {
        reject(new DOMException('The upload was cancelled.', 'AbortError'));
        return;
      }
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(file);
  });
}

/** A file the backend sent (a CSV or PDF report), with the name its Content-Disposition gives. */
export interface DownloadedFile {
  blob: Blob;
  fileName: string | undefined;
}

/**
 * GETs a file with the same cookies and error shape as `httpClient`, keeping the bytes intact
 * (a PDF read as text would be corrupted).
 */
export async function fetchFile(path: string, options: Pick<RequestOptions, 'query' | 'signal'> = {}): Promise<DownloadedFile> {
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), { credentials: 'same-origin', cache: 'no-store', signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new HttpError('Cannot reach the server. Check your connection and try again.', 0, {});
  }
  if (!response.ok) throw toHttpError(await readBody(response), response.status);
  const disposition = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return { blob: await response.blob(), fileName: disposition?.[1] };
}

/**
 * Calls the backend: same-origin cookies, JSON in and out, and the CSRF double-submit header
 * (the `hm_csrf` cookie echoed in `x-csrf-token`) on every state-changing request.
 * Rejects with react-admin's `HttpError(message, status, body)`; a network failure is status 0.
 */
export async function httpClient<T = unknown>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
  const method = options.method ?? 'GET';
  const headers = new Headers({ Accept: 'application/json' });
  if (options.body !== undefined) headers.set('Content-Type', 'application/json');
  if (!SAFE_METHODS.has(method)) {
    for (const [name, value] of Object.entries(csrfHeader())) headers.set(name, value);
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new HttpError('Cannot reach the server. Check your connection and try again.', 0, {});
  }

  const body = await readBody(response);
  if (!response.ok) throw toHttpError(body, response.status);
  return { status: response.status, body: body as T };
}
