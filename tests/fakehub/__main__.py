"""Run the fake hub in the foreground: python -m tests.fakehub --port-hf 9001 --port-github 9002"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from tests.fakehub.hub import FakeHub


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakehub", description=__doc__)
    parser.add_argument(
        "--port-hf", type=int, default=0, help="port of the Hugging Face API (0: any free port)"
    )
    parser.add_argument(
        "--port-github", type=int, default=0, help="port of the GitHub API (0: any free port)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    hub = FakeHub(host=args.host)
    hub.start(hf_port=args.port_hf, github_port=args.port_github)
    print(f"HF_ENDPOINT={hub.hf_url}", flush=True)
    print(f"GITHUB_API_URL={hub.github_url}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
