"""One-time start-up work on a store made by older code: each step records that it ran and is idempotent."""

from __future__ import annotations

import logging

from package.core.storage import Storage
from package.routers.artifacts import audit_db, catalog_db, claims, database

logger = logging.getLogger("registry.artifacts")


def run(storage: Storage) -> None:
    """Listing, name and license indexes, the audit log's indexes, the regex index, then canonical source
    claims (each a no-op once done)."""
    filed = catalog_db.ensure_indexes(storage)
    if filed:
        logger.info("indexed artifacts for listings", extra={"count": filed})
    logged = audit_db.ensure_indexes(storage)
    if logged:
        logger.info("indexed audit log entries by user and action", extra={"count": logged})
    indexed = database.index_texts(storage)
    if indexed:
        logger.info("indexed artifact texts for regex search", extra={"count": indexed})
    claims.migrate_claims(storage)  # records from before canonical source claims
