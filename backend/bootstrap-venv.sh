#!/usr/bin/env bash
# Create the project's virtual environment, installing Debian's venv support first when it is missing.
set -euo pipefail
python="${1:-python3}"
venv="${2:-.venv}"
[ -x "$venv/bin/python" ] && exit 0
if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "python venv support is missing; installing python${version}-venv" >&2
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q
    $sudo_cmd apt-get install -y -q "python${version}-venv" || $sudo_cmd apt-get install -y -q python3-venv
    "$python" -m venv "$venv"
fi
