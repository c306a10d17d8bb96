#!/usr/bin/env bash
# The embedded default: install, build, and start everything on this machine (see README).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js 20.19 or newer is required (found "+process.versions.node+")"); process.exit(1) }'

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "• installing dependencies (npm install)…"
  npm install --no-audit --no-fund --loglevel=error
fi
echo "• building backend and admin UI…"
npm run build --silent >/dev/null
exec node backend/dist/backend/src/embedded/launcher.js
