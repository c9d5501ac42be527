#!/usr/bin/env bash
# `make run`'s front server: Debian's nginx-light, installed when missing (serve.py sends stored blobs through
# it). If it cannot be installed (no root, no network), `make run` still starts: granian then serves alone.
set -uo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo -n"
echo "installing nginx-light for make run" >&2
if ! { $sudo_cmd apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q \
    --no-install-recommends nginx-light; } >&2; then
  echo "could not install nginx: make run serves with granian alone" >&2
fi
exit 0
