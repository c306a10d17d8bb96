/**
 * A react-admin input validator: the value, when there is one, must match `pattern`. (react-admin's
 * own `regex` is memoized through lodash, whose types this package does not install.)
 */
export function matches(pattern: RegExp, message: string) {
  return (value: unknown): string | undefined => (typeof value === 'string' && value !== '' && !pattern.test(value) ? message : undefined);
}
