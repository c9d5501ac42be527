#!/usr/bin/env bash
# What the test suite needs beyond Python: Debian's nginx (the split deployment's gateway runs in
# tests/deploy), wrk (the download benchmark's load generator, smoke-run by the tests), chromium +
# chromium-driver (the web interface's browser tests) and, from npm, the pinned Lighthouse and axe-core in
# backend/webtools (package-lock.json).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/install-deploy-tools.sh"   # cfn-lint, SAM translator, actionlint (tests/deploy)
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)   # bench/download_throughput.py's load generator
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} for the tests" >&2
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

webtools="$here/webtools"
if [ ! -f "$webtools/node_modules/.package-lock.json" ] \
   || [ "$webtools/package-lock.json" -nt "$webtools/node_modules/.package-lock.json" ]; then
  echo "installing Lighthouse and axe-core (npm ci in backend/webtools)" >&2
  (cd "$webtools" && npm ci --no-audit --no-fund --loglevel=error)
fi
