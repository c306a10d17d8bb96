import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The checkout's root (where nx.json is), found from this file whether it runs from src or dist. */
export function repoRoot(): string {
  if (cached) return cached;
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return (cached = process.cwd());
    dir = parent;
  }
  return (cached = dir);
}
