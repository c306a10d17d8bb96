#!/usr/bin/env bash
# One-off backend commands (migrate, seed, import …) against the stack `npm start` runs:
#   npm run cli -- import patients.csv --topic newsletter --attest "…"
set -euo pipefail
cd "$(dirname "$0")/../.."
env_file="${DATA_DIR:-.data}/runtime.env"
if [ -z "${DATABASE_URL:-}" ] && [ -f "$env_file" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi
[ -f backend/dist/backend/src/main.js ] || npm run build --silent
# One-off commands stream their work (imports, backups), so a small heap ceiling keeps the process
# small: V8 otherwise lets garbage grow the heap long before it collects (1M-row import: 422 MB
# peak RSS uncapped, 299 MB capped, same throughput within noise). --single-threaded-gc: an import
# keeps its main thread, its worker thread and Postgres busy, and V8's parallel GC helpers only
# competed with them for the cores (300,000-row import: 13% less CPU, ~7% more rows/s on 2 cores).
# A small young generation on the main thread (its batches are bytes; the worker thread has its own
# heap) and two malloc arenas keep peak RSS down (1M-row import: 404 MB before, see README).
# HM_NODE_ARGS adds flags (a profiler).
# shellcheck disable=SC2086
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-old-space-size="${CLI_MAX_OLD_SPACE_MB:-256}" --max-semi-space-size=8 --single-threaded-gc ${HM_NODE_ARGS:-} backend/dist/backend/src/main.js "$@"
