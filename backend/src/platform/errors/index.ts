export { DomainError } from './domain-error.js';
export type { FieldProblem } from './domain-error.js';
export { HttpExceptionFilter } from './http-exception.filter.js';
export type { ErrorBody } from './http-exception.filter.js';
export { createValidationPipe, fieldProblems } from './validation.js';
