#!/usr/bin/env bash
# Debian packages the test suite needs: nginx (the split deployment's gateway runs in tests/deploy).
set -euo pipefail
bash "$(dirname "$0")/install-deploy-tools.sh"   # cfn-lint, SAM translator, actionlint (tests/deploy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
echo "installing nginx-light for the gateway tests" >&2
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends nginx-light
