export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error a module raises on purpose. `code` is stable (clients may switch on it), `status`
 * is the HTTP status it maps to, and `message` must never contain PHI values.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 423 | 429 | 503 = 400,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
