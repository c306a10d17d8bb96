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
exec node backend/dist/backend/src/main.js "$@"
