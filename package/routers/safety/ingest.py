"""Scanning at registration (REGISTRY_SAFETY_REFUSE_DANGEROUS): fetch and scan the code-carrying files now.

Only files whose name says they can carry code (pickles and what wraps them, Keras, NumPy) are fetched, so a
model with multi-GB safetensors weights is not downloaded twice; the rest are scanned as they are mirrored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from package.core.errors import RegistryError
from package.core.upstream.clients import get_upstreams
from package.core.upstream.snapshot import Snapshot
from package.routers.artifacts.interface import ArtifactDetails
from package.routers.safety.config import SafetySettings
from package.routers.safety.interface import FileScan
from package.routers.safety.scanner import PICKLE_SUFFIXES
from package.routers.safety.watch import SpoolWatcher

logger = logging.getLogger("registry.safety")
CODE_SUFFIXES = (*PICKLE_SUFFIXES, ".npy", ".npz", ".h5", ".hdf5", ".keras", ".pth.tar", ".tar")


def scan_at_ingest(details: ArtifactDetails, settings: SafetySettings) -> Iterator[FileScan]:
    """Fetch and scan each code-carrying file of a freshly registered artifact."""
    snapshot = Snapshot.from_item(details.snapshot.model_dump(mode="json"))
    if snapshot.reference_only:
        return
    adapter = get_upstreams().adapter(snapshot.source.kind)
    for remote in snapshot.files:
        if not remote.path.lower().endswith(CODE_SUFFIXES) or remote.size > settings.safety_max_file_bytes:
            continue
        watcher = SpoolWatcher(remote.path, settings, None, lambda _: None)
        try:
            with adapter.open_file(snapshot, remote.path) as chunks:
                for chunk in chunks:
                    watcher.write(chunk)
        except RegistryError as exc:  # gated or failing upstream: scanned later, as it is mirrored
            logger.info("could not fetch %s for an ingest scan: %s", remote.path, exc.message)
            watcher.finish(False)
            continue
        yield watcher.scan_now()
