#!/usr/bin/env bash
# Build the Lambda deployment zip: the runtime dependencies as wheels for Lambda's python3.12 runtime (Amazon
# Linux 2023, glibc 2.34, x86_64; python3.11 runs on Amazon Linux 2, whose glibc 2.26 is too old for google-re2),
# plus main.py, worker.py and package/. Usage: package-lambda.sh PYTHON OUT.zip
set -euo pipefail
cd "$(dirname "$0")/../.."
python="$1"
out="$2"
build="$(dirname "$out")/lambda-build"
rm -rf "$build" "$out"
mkdir -p "$build"
"$python" -m pip install --disable-pip-version-check -q --no-compile \
    -r requirements.txt -c constraints.txt --target "$build" \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --implementation cp \
    --python-version 3.12 --only-binary=:all:
cp main.py worker.py "$build/"
cp -r package "$build/package"
# Caches of the build machine are not shipped (byte-code of another Python version).
find "$build" -name '__pycache__' -type d -prune -exec rm -rf {} +
# Lambda's /var/task is read-only: without .pyc files every cold start compiles every module it imports
# (docs/performance.md: ~2.5x the CPU of an import from byte-code). They are compiled here when a python3.12
# is at hand (LAMBDA_PYC_PYTHON, else python3.12 on the PATH), hash-checked so the zip's timestamps do not matter.
pyc_python="${LAMBDA_PYC_PYTHON:-python3.12}"
if "$pyc_python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    # A module that does not compile (a vendored file for another Python) is compiled by nobody, as before.
    "$pyc_python" -m compileall -q -j 0 --invalidation-mode checked-hash "$build" >/dev/null ||
        echo "some modules did not compile for python3.12; Lambda compiles those at import" >&2
else
    echo "no python3.12 (set LAMBDA_PYC_PYTHON): the zip ships no byte-code, cold starts compile it" >&2
fi
find "$build" -name '*.dist-info' -type d -prune -exec sh -c 'rm -rf "$1"/RECORD' _ {} \;
"$python" - "$build" "$out" <<'PY'
import os, sys, zipfile
build, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for folder, dirs, files in os.walk(build):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            archive.write(path, os.path.relpath(path, build))
PY
rm -rf "$build"
echo "built $out ($(du -h "$out" | cut -f1))"
