"""`make run`: nginx on the public port in front of granian's workers; nginx sends stored blobs itself.

The registry decides every download (token, permissions, use count, audit entry) and answers a stored blob
with `X-Accel-Redirect: /_blobs/<path>`; nginx then sends the file from an internal location (sendfile,
Range), so no byte of a blob passes through Python or through a user-space copy (granian's pathsend reads the
file through its own buffers: bench/download_throughput.py's `granian-bare` measures that ceiling). Every
other request is proxied to granian unchanged, over Unix sockets in the run folder (owner-only; one granian
process of one worker per socket, nginx taking them in turn), so no local client can reach the app around
nginx (and fetch its X-Accel answers). nginx's configuration is generated into that run folder (removed at the
end); its error lines are re-logged as the registry's JSON lines; its access log is off (the registry writes
one line per request, with the status and bytes nginx sends for a download: core/accel_answer.py). Ctrl-C
(SIGINT) or SIGTERM stops nginx, then lets granian's workers shut down cleanly (batched bookkeeping flushed).
Without nginx (not installed) granian serves alone.

    python -m serve [--host 127.0.0.1] [--port 8000] [--workers N] [--app main:app]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

from package.core import nginx_errors
from package.core.accel_answer import RANGE_REFUSED_JSON
from package.core.config import get_settings
from package.core.logging import configure_logging
from package.core.security_settings import UNIX_PEERS, get_security_settings
from package.routers.health import multiprocess

logger = logging.getLogger("registry.serve")
ROOT = Path(__file__).resolve().parent
BLOB_LOCATION = "/_blobs"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_NGINX_LEVEL = re.compile(r"\[(debug|info|notice|warn|error|crit|alert|emerg)\]")
_LEVELS = {
    "debug": 10,
    "info": 20,
    "notice": 20,
    "warn": 30,
    "error": 40,
    "crit": 50,
    "alert": 50,
    "emerg": 50,
}
# The JSON nginx answers itself when the app is not answering (starting, restarting a worker, stopped).
_APP_DOWN = (
    '{"error": "registry_unavailable", "message": "The registry is not answering yet; retry shortly.", '
    '"status": 503}'
)

_NOT_FOUND = '{"error": "not_found", "message": "Not found.", "status": 404}'


def nginx_binary() -> str | None:
    """nginx's path, or None when it is not installed."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def granian_command(
    host: str, port: int, workers: int, app: str = "main:app", *, uds: Path | None = None
) -> list[str]:
    """granian serving `app` on HOST:PORT, or on the Unix socket `uds` (JSON log lines, no access log,
    failed workers respawned)."""
    listen = (
        ("--uds", str(uds), "--uds-permissions", "0600") if uds else ("--host", host, "--port", str(port))
    )
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", *listen),
        *("--workers", str(workers), "--no-access-log", "--respawn-failed-workers"),
        *("--log-config", str(ROOT / "package" / "core" / "granian-logging.json"), app),
    ]


def app_env(base: dict[str, str]) -> dict[str, str]:
    """The app's environment behind nginx: blobs by X-Accel-Redirect, X-Forwarded-For believed from the
    Unix socket only nginx reaches (`unix` in REGISTRY_TRUSTED_PROXIES)."""
    trusted = [part for part in base.get("REGISTRY_TRUSTED_PROXIES", "").split(",") if part.strip()]
    return base | {
        "REGISTRY_ACCEL_REDIRECT_PREFIX": BLOB_LOCATION,
        "REGISTRY_TRUSTED_PROXIES": ",".join([*trusted, UNIX_PEERS]),
    }


_ERROR_PAGES = nginx_errors.error_pages(indent=" " * 8)
# How the public server passes requests on: HTTP/1.1 kept alive, the client's address, nothing buffered.
_PROXYING = """        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Connection "";
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_read_timeout 600s;
        proxy_send_timeout 600s;
"""
# nginx's own 503 (the app not answering) and 404, as the registry's JSON.
_APP_DOWN_AND_NOT_FOUND = f"""        error_page 502 503 504 = @app_down;
        location @app_down {{
            default_type application/json;
            add_header Retry-After 2 always;
            add_header Cache-Control no-store always;
            return 503 '{_APP_DOWN}';
        }}
        error_page 404 = @not_found;
        location @not_found {{
            default_type application/json;
            return 404 '{_NOT_FOUND}';
        }}
"""


def nginx_conf(
    run_dir: Path, *, host: str, port: int, app_sockets: Sequence[Path], blob_dir: Path, workers: int
) -> str:
    """nginx's configuration: the public port, proxied to the app's workers (one socket each, taken in
    turn); blobs from an internal location only."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root nginx would switch its workers to nobody
    servers = "".join(f"server unix:{socket}; " for socket in app_sockets)
    handling = _PROXYING + _APP_DOWN_AND_NOT_FOUND + _ERROR_PAGES + _blob_locations(blob_dir)
    return f"""{user}worker_processes {workers};
pid {run_dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
{_http_settings(run_dir)}    upstream registry_app {{ {servers}keepalive 64; }}
    server {{
        listen {host}:{port};
{handling}        location / {{ proxy_pass http://registry_app; }}
    }}
}}
"""


def _http_settings(run_dir: Path) -> str:
    """The http block's settings: temporary files in the run folder, no access log, sendfile, and request
    limits above the app's own."""
    security = get_security_settings()
    # Bigger than the app's own limits, so the app answers 414/431/413 as JSON, not nginx as HTML.
    header_buffer = max(security.max_header_bytes, security.max_url_bytes) * 2
    temps = "".join(f"    {t}_temp_path {run_dir}/{t};\n" for t in TEMP_PATHS)
    return f"""{temps}    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    large_client_header_buffers 4 {header_buffer};
    client_max_body_size 0;
    # A request nginx refuses unread (a URL or headers past the buffers): read what the client still sends
    # before closing, so it gets the JSON answer instead of a connection reset.
    lingering_close always;
"""


def _blob_locations(blob_dir: Path) -> str:
    """The internal location nginx sends stored blobs from (after the app's X-Accel-Redirect), and its 416."""
    return f"""        # Reached only by the app's X-Accel-Redirect answer to a download it authorized.
        location {BLOB_LOCATION}/ {{
            internal;
            # A Range nginx refuses: JSON as the registry's own 416 (a location's error_page replaces the
            # server's list, so its 404 is repeated).
            error_page 416 = @range_refused;
            error_page 404 = @not_found;
            alias {blob_dir}/;
            etag off;
            # The registry judged If-Modified-Since (an If-Match or If-Unmodified-Since it serves itself).
            if_modified_since off;
            add_header ETag $upstream_http_etag;
            add_header X-Request-ID $upstream_http_x_request_id;
        }}
        # The X-Request-ID (and ETag) added in the blob location, before nginx's range check, stay on.
        location @range_refused {{
            default_type application/json;
            return 416 '{RANGE_REFUSED_JSON}';
        }}
"""


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if this launcher dies (so nothing outlives a killed `make run`)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(command: Sequence[str], env: dict[str, str], stderr: int | None = None) -> subprocess.Popen[bytes]:
    # A session of its own: the terminal's Ctrl-C reaches this launcher only, which stops both in order.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=stderr, start_new_session=True, preexec_fn=_die_with_parent
    )


def _relay_nginx_log(stream: IO[bytes]) -> None:
    """nginx's error lines as the registry's JSON log lines (logger registry.nginx)."""
    relay = logging.getLogger("registry.nginx")
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip()
        found = _NGINX_LEVEL.search(line)
        relay.log(_LEVELS[found.group(1)] if found else logging.WARNING, line)


def _wait_ready(
    app_socket: Path, app: subprocess.Popen[bytes], stop: threading.Event, timeout: float = 300.0
) -> bool:
    """Until the app answers on its socket (True); False if it exits, the launcher is told to stop, or time
    runs out."""
    deadline = time.monotonic() + timeout
    transport = httpx.HTTPTransport(uds=str(app_socket))
    with httpx.Client(transport=transport, base_url="http://registry", timeout=2) as client:
        while time.monotonic() < deadline and app.poll() is None and not stop.is_set():
            try:
                if client.get("/health/ready").status_code < 500:
                    return True
            except httpx.HTTPError:
                pass
            stop.wait(0.1)
    if not stop.is_set():
        logger.error("the registry did not start", extra={"granian": app.poll()})
    return False


def _stop(proc: subprocess.Popen[bytes], sig: int | None, timeout: float) -> None:
    """Send `sig` (None: already sent), wait up to `timeout`, then kill its whole session."""
    if sig is not None and proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.warning("a server process did not stop in time: killed", extra={"pid": proc.pid})
    # Its session (started by _spawn) holds its workers too: none may outlive it, stopped in time or not.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _serve_behind_nginx(nginx: str, options: argparse.Namespace, run_dir: Path) -> int:
    blob_dir = get_settings().blob_dir.resolve()
    blob_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)  # the app's sockets: nginx (this user) reaches them, no other user does
    # One granian (one worker) per socket, nginx taking them in turn: on one shared socket all of nginx's
    # keepalive connections were accepted by the same worker while the other idled.
    app_sockets = [run_dir / f"app-{number}.sock" for number in range(max(1, options.workers))]
    conf = run_dir / "nginx.conf"
    conf.write_text(
        nginx_conf(
            run_dir,
            host=options.host,
            port=options.port,
            app_sockets=app_sockets,
            blob_dir=blob_dir,
            workers=options.workers,
        )
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    env = app_env(dict(os.environ))
    if env.get(multiprocess.ENV) and (name := multiprocess.run_name(os.getpid())):
        # Every granian's workers count into this run's one folder, so /metrics sums the whole server.
        env[multiprocess.ENV] = str(multiprocess.run_folder(Path(env[multiprocess.ENV]), name))
    apps = [
        _spawn(granian_command("127.0.0.1", 0, 1, options.app, uds=socket), env) for socket in app_sockets
    ]
    front: subprocess.Popen[bytes] | None = None
    code = 0
    try:
        # nginx opens the public port once the app answers: a client never meets a registry still starting.
        for socket, app in zip(app_sockets, apps, strict=True):
            if not _wait_ready(socket, app, stop):
                return 0 if stop.is_set() else 1
        command = [nginx, "-p", str(run_dir), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]
        front = _spawn(command, dict(os.environ), subprocess.PIPE)
        assert front.stderr is not None
        threading.Thread(target=_relay_nginx_log, args=(front.stderr,), daemon=True).start()
        url = f"http://{options.host}:{options.port}"
        logger.info("serving", extra={"url": url, "workers": options.workers})
        while not stop.wait(0.5):
            exited = [app.returncode for app in apps if app.poll() is not None]
            if exited or front.poll() is not None:
                logger.error("a server process exited", extra={"granian": exited, "nginx": front.returncode})
                code = 1
                break
    finally:
        if front is not None:
            _stop(front, signal.SIGQUIT if code == 0 else signal.SIGTERM, timeout=5)  # no new requests
        for app in apps:  # all told at once, so their workers flush their batched bookkeeping together
            if app.poll() is None:
                app.send_signal(signal.SIGTERM)
        for app in apps:
            _stop(app, None, timeout=60)
    return code


def main(argv: list[str] | None = None) -> int:
    """Start nginx and granian's workers (or granian alone without nginx) until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--app", default="main:app", help="the ASGI app granian serves (benchmarks swap it)")
    options = parser.parse_args(argv)
    configure_logging(get_settings().log_level)
    nginx = nginx_binary()
    if nginx is None:
        logger.warning("nginx is not installed: granian serves alone (downloads through pathsend)")
        command = granian_command(options.host, options.port, options.workers, options.app)
        os.execve(command[0], command, dict(os.environ))
    with tempfile.TemporaryDirectory(prefix="registry-run-") as run_dir:
        return _serve_behind_nginx(nginx, options, Path(run_dir))


if __name__ == "__main__":
    sys.exit(main())
