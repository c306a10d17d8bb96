#!/usr/bin/env bash
# The whole test suite on a clean machine: system packages, dependencies, build, lint,
# type check, unit, integration and browser tests. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
started=$SECONDS
step() { printf '\n=== %s (%ss)\n' "$1" "$((SECONDS - started))"; }

step "system packages"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing ${missing[*]}: install them (sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
fi
echo "redis-server: $(redis-server --version | awk '{print $3}')  chromium: $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"

step "dependencies"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

step "build"
npm run build --silent

step "lint"
npx prettier --check . --log-level warn
npx eslint --max-warnings 0 .

step "type check"
npm run typecheck --silent
npx tsc -p tsconfig.json --noEmit

mkdir -p test-results
rm -f test-results/vitest-*.json
status=0
for project in unit integration browser; do
  step "tests: $project"
  npx vitest run --project "$project" --reporter=default --reporter=json --outputFile="test-results/vitest-$project.json" || status=1
done

step "summary"
node test/summary.mjs test-results/vitest-*.json || status=1
echo "total time: $((SECONDS - started))s"
exit $status
