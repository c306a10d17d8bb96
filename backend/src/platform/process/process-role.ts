/** What a process runs. `all` is the embedded default: every role in one process. */
export type ProcessRole = 'api' | 'worker' | 'scheduler';
export type Entrypoint = ProcessRole | 'all' | 'cli';

export const PROCESS_ROLES = Symbol('PROCESS_ROLES');

export function rolesOf(entrypoint: Entrypoint): ProcessRole[] {
  if (entrypoint === 'cli') return [];
  return entrypoint === 'all' ? ['api', 'worker', 'scheduler'] : [entrypoint];
}

export const APP_VERSION = '0.1.0';
