"""Embedded record driver: one SQLite file in WAL mode, a small pool of connections shared by threads."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from package.core.storage.interface import (
    Check,
    ConditionFailed,
    Delete,
    Item,
    Operation,
    Put,
    Record,
    StorageError,
)
from package.core.storage.sqlite_pool import ConnectionPool

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    pk   TEXT NOT NULL,
    sk   TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID
"""


# SQLite allows 32,766 bound parameters per statement since 3.32 (999 before): well under either.
_KEYS_PER_STATEMENT = 900
_DECODER = json.JSONDecoder()

# Enough for 2-4 cores' worth of concurrent reads (SQLite runs them outside the GIL); threads beyond it wait
# their turn for a statement's few milliseconds rather than each holding a connection and its page cache.
CONNECTIONS = 8
# Page cache per connection, KiB (SQLite's default, made explicit): CONNECTIONS x this bounds the caches.
CACHE_KIB = 2048
_BUSY_SECONDS = 30.0
_WAL_RETRY_SECONDS = 0.005


def _owner_only(path: Path) -> None:
    """Create the database file readable by its owner alone (it holds the token signing secret and hashes).

    SQLite gives its -wal and -shm files the database file's permissions.
    """
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


class SqliteRecordStore:
    """RecordStore over one SQLite table keyed like a DynamoDB table (pk, sk)."""

    def __init__(self, path: Path, *, connections: int = CONNECTIONS, cache_kib: int = CACHE_KIB) -> None:
        self._path = path
        self._cache_kib = cache_kib
        opener = functools.partial(_open_connection, path, cache_kib)  # not a bound method: no cycle
        self._pool = ConnectionPool(opener, size=connections, wait_seconds=_BUSY_SECONDS)
        # A store nobody holds closes its connections at once: on Python 3.11 a connection is in a cycle
        # with its statement cache, so left to itself it stays open until a cyclic garbage collection.
        weakref.finalize(self, self._pool.close)
        # One writer per process at a time: the others wait here, not in SQLite's sleeping busy handler,
        # and never hold more than one of the pool's connections. Other processes still meet SQLite's lock.
        self._writer = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        _owner_only(path)
        with self._transaction() as conn:
            conn.execute(_SCHEMA)

    def close(self) -> None:
        """Close the store's connections (those in use close when their statement ends)."""
        self._pool.close()

    def _open_connection(self) -> sqlite3.Connection:
        return _open_connection(self._path, self._cache_kib)

    def _borrow(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection for this thread alone until the block ends."""
        return self._pool.borrow()

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        """This process's one write at a time, waited for as long as SQLite's busy timeout would."""
        if not self._writer.acquire(timeout=_BUSY_SECONDS):
            raise StorageError(f"no write turn on {self._path} in {_BUSY_SECONDS:.0f} s")
        try:
            yield
        finally:
            self._writer.release()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_turn(), self._borrow() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open a transaction on {self._path}: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error | OSError):
                    raise StorageError(f"write to {self._path} failed: {exc}") from exc
                raise

    def _read(self, sql: str, params: tuple[str | int, ...]) -> list[tuple[str, ...]]:
        try:
            with self._borrow() as conn:
                rows: list[tuple[str, ...]] = conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"read from {self._path} failed: {exc}") from exc
        return rows

    def get(self, pk: str, sk: str) -> Item | None:
        """The item at these keys, or None."""
        rows = self._read("SELECT item FROM records WHERE pk=? AND sk=?", (pk, sk))
        return _decode(rows[0][0]) if rows else None

    def put(self, pk: str, sk: str, item: Item, *, if_absent: bool = False) -> None:
        """Write one item; raises ConditionFailed when `if_absent` and it exists."""
        self.transact([Put(pk, sk, item, if_absent=if_absent)])

    def delete(self, pk: str, sk: str) -> None:
        """Remove one item if present."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM records WHERE pk=? AND sk=?", (pk, sk))

    def query(self, pk: str, *, prefix: str = "") -> list[Record]:
        """Every item of one partition whose sort key starts with `prefix`, in sort-key order."""
        if prefix:
            # Sort keys in [prefix, prefix + U+10FFFF) are exactly those starting with prefix.
            rows = self._read(
                "SELECT sk, item FROM records WHERE pk=? AND sk>=? AND sk<? ORDER BY sk",
                (pk, prefix, prefix + "\U0010ffff"),
            )
        else:
            rows = self._read("SELECT sk, item FROM records WHERE pk=? ORDER BY sk", (pk,))
        return [Record(pk, sk, _decode(text)) for sk, text in rows]

    def query_page(self, pk: str, *, prefix: str = "", after: str | None = None, limit: int) -> list[Record]:
        """At most `limit` items of one partition whose sort key starts with `prefix` and is above `after`."""
        if limit < 1:
            return []
        low, low_op = (after, ">") if after is not None and after >= prefix else (prefix, ">=")
        rows = self._read(
            f"SELECT sk, item FROM records WHERE pk=? AND sk{low_op}? AND sk<? ORDER BY sk LIMIT ?",
            (pk, low, prefix + "\U0010ffff", limit),
        )
        return [Record(pk, sk, _decode(text)) for sk, text in rows]

    def key_page(self, pk: str, *, after: str | None = None, limit: int) -> list[str]:
        """`query_page`'s sort keys alone (no prefix): the item column is never read (a third of the cost)."""
        if limit < 1:
            return []
        low, low_op = (after, ">") if after is not None else ("", ">=")
        rows = self._read(
            f"SELECT sk FROM records WHERE pk=? AND sk{low_op}? ORDER BY sk LIMIT ?", (pk, low, limit)
        )
        return [sk for (sk,) in rows]

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """The items at these (pk, sk) keys, by key; absent keys are left out."""
        by_partition: dict[str, list[str]] = {}
        for pk, sk in dict.fromkeys(keys):
            by_partition.setdefault(pk, []).append(sk)
        found: dict[tuple[str, str], Item] = {}
        # One statement per partition and chunk: `pk=? AND sk IN (...)` walks the primary key, where a
        # row-value `(pk, sk) IN (VALUES ...)` makes SQLite scan the whole table.
        for pk, sks in by_partition.items():
            for start in range(0, len(sks), _KEYS_PER_STATEMENT):
                chunk = sks[start : start + _KEYS_PER_STATEMENT]
                rows = self._read(
                    f"SELECT sk, item FROM records WHERE pk=? AND sk IN ({','.join('?' * len(chunk))})",
                    (pk, *chunk),
                )
                found.update({(pk, sk): _decode(text) for sk, text in rows})
        return found

    def put_many(self, items: Sequence[Record]) -> None:
        """Write many unconditional items (here in one transaction)."""
        if items:
            with self._transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO records (pk, sk, item) VALUES (?, ?, ?)",
                    [(r.pk, r.sk, _encode(r.item) if r.item else "{}") for r in items],
                )

    def delete_many(self, keys: Sequence[tuple[str, str]]) -> None:
        """Remove many items if present (here in one transaction)."""
        if keys:
            with self._transaction() as conn:
                conn.executemany("DELETE FROM records WHERE pk=? AND sk=?", list(keys))

    @property
    def transaction_limit(self) -> int:
        """500 operations: a batch of audit entries commits in a few milliseconds of write lock."""
        return 500

    def transact(self, operations: Sequence[Operation]) -> None:
        """Apply all operations or none; raises ConditionFailed when a condition does not hold."""
        operations = list(operations)  # held to the end, so no item's id() is reused while encoded[] has it
        encoded: dict[int, str] = {}  # one encoding per item object (an audit entry's copies share one)
        rows: list[tuple[str, str, str]] = []  # consecutive plain writes, sent in one executemany
        with self._transaction() as conn:
            for op in operations:
                if isinstance(op, Put) and not op.if_absent:
                    text = encoded.get(id(op.item))
                    if text is None:
                        text = encoded[id(op.item)] = _encode(op.item)
                    rows.append((op.pk, op.sk, text))
                    continue
                _write_rows(conn, rows)
                if isinstance(op, Check | Put):
                    _check(conn, op)
                if isinstance(op, Put):
                    conn.execute(_UPSERT, (op.pk, op.sk, _encode(op.item)))
                elif isinstance(op, Delete):
                    conn.execute("DELETE FROM records WHERE pk=? AND sk=?", (op.pk, op.sk))
            _write_rows(conn, rows)

    def increment(self, pk: str, sk: str, field_name: str, amount: int = 1) -> int:
        """Atomically add to a numeric field (creating the item) and return the new value."""
        with self._transaction() as conn:
            row = conn.execute("SELECT item FROM records WHERE pk=? AND sk=?", (pk, sk)).fetchone()
            item = {} if row is None else _decode(row[0])
            value = int(item.get(field_name, 0)) + amount
            item[field_name] = value
            conn.execute(
                "INSERT OR REPLACE INTO records (pk, sk, item) VALUES (?, ?, ?)", (pk, sk, _encode(item))
            )
        return value

    def clear(self) -> None:
        """Remove every item."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM records")


def _open_connection(path: Path, cache_kib: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        _use_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
        conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        conn.execute("PRAGMA mmap_size=0")  # reads through the cache above; no file mapping in the RSS
    except BaseException:
        conn.close()  # not left open until a garbage collection
        raise
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Put the database in WAL mode, waiting out other processes doing the same.

    Switching the journal mode answers SQLITE_BUSY at once, without the busy handler, while another
    connection holds the file (two workers opening a new database together), so it is retried here.
    """
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def _check(conn: sqlite3.Connection, op: Check | Put) -> None:
    must_exist = op.exists if isinstance(op, Check) else False
    row = conn.execute("SELECT item FROM records WHERE pk=? AND sk=?", (op.pk, op.sk)).fetchone()
    if (row is not None) != must_exist:
        raise ConditionFailed(f"item ({op.pk}, {op.sk}) is {'missing' if must_exist else 'present'}")
    if isinstance(op, Check) and op.equals and row is not None:
        item = _decode(row[0])
        if any(item.get(key) != value for key, value in op.equals.items()):
            raise ConditionFailed(f"item ({op.pk}, {op.sk}) does not hold {op.equals}")


_UPSERT = "INSERT OR REPLACE INTO records (pk, sk, item) VALUES (?, ?, ?)"


def _write_rows(conn: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> None:
    """Write the collected rows in one call, and empty the list."""
    if rows:
        conn.executemany(_UPSERT, rows)
        rows.clear()


def _encode(item: Item) -> str:
    return json.dumps(item, separators=(",", ":"))


def _decode(text: str) -> Item:
    if text == "{}":
        return {}  # index entries and markers: most rows of a large registry
    try:  # json.loads's own checks (two whitespace scans, a wrapper) cost more than decoding a small item
        value, end = _DECODER.raw_decode(text)
    except json.JSONDecodeError:
        end = -1
    if end != len(text):  # leading or trailing text: json.loads accepts whitespace, refuses the rest
        value = json.loads(text)
    if not isinstance(value, dict):
        raise StorageError("a stored record is not a JSON object")
    return value
