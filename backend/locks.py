"""Named locks shared by every process using the same database (DESIGN §3: one runner at a time).

`database_lock(name)` never waits: it raises `LockBusy` at once when another process (or
another connection in this process) holds the lock, so a second pipeline run or a second
scheduler reports and stops instead of queueing behind the first.

Per dialect, the simplest mechanism that the database or the OS releases by itself when
the holder dies, so a crash never leaves a stale lock behind:

- PostgreSQL: a session-level `pg_try_advisory_lock(key)` on a dedicated connection kept
  open (autocommit, so it is never idle in a transaction) while the lock is held. The key
  is a 64-bit hash of the name. Needs a real session: behind PgBouncer use session pooling
  (transaction pooling would hand the lock to whichever client gets the connection next).
- SQLite: `fcntl.flock` on a lock file next to the database file,
  `<database>.<name>.lock` (e.g. `instance/rm_companion.db.pipeline.lock`). SQLite has no
  lock primitive of its own that outlives a transaction, and a lock row would need a
  table and a migration. The file is left in place after release (deleting a locked file
  races with the next opener) and holds the holder's pid for diagnosis. POSIX only, and
  only valid for processes on the same machine, which is where a SQLite file lives anyway.
  An in-memory database (tests) can only be reached by one process, so a process-local
  lock is enough there.
"""

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
KEY_NAMESPACE = "rm-companion:"  # keeps our advisory keys apart from other apps' on the server


class LockBusy(Exception):
    """Another process holds the named lock."""

    def __init__(self, name: str):
        super().__init__(f"lock {name!r} is held by another process; try again when it is done")
        self.name = name


@contextmanager
def database_lock(name: str, *, engine: Engine | None = None) -> Iterator[None]:
    """Hold the named lock for the block; raise LockBusy at once if it is held elsewhere."""
    if not NAME.fullmatch(name):
        raise ValueError(f"lock name {name!r}: use lower-case letters, digits, '-' and '_'")
    if engine is None:
        from backend.extensions import db

        engine = db.engine
    dialect = engine.dialect.name
    if dialect == "postgresql":
        held = _advisory_lock(engine, name)
    elif dialect == "sqlite":
        held = _file_lock(engine.url, name)
    else:
        raise NotImplementedError(f"database_lock: no lock for the {dialect} dialect")
    with held:
        yield


def advisory_key(name: str) -> int:
    """Return the signed 64-bit PostgreSQL advisory-lock key for a lock name."""
    digest = hashlib.blake2b((KEY_NAMESPACE + name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(engine: Engine, name: str) -> Iterator[None]:
    key = advisory_key(name)
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise LockBusy(name)
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            except Exception:
                # the session is gone, and the lock with it; never pool this connection again
                conn.invalidate()
    finally:
        conn.close()


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def _file_lock(url: URL, name: str) -> Iterator[None]:
    if url.database in (None, "", ":memory:"):
        with _local_guard:
            lock = _local_locks.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise LockBusy(name)
        try:
            yield
        finally:
            lock.release()
        return

    import fcntl  # POSIX only; imported here so the module loads everywhere

    path = lock_file_path(url, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            # flock locks belong to this open file, so two opens in one process conflict too
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(name) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_file_path(url: URL, name: str) -> Path:
    """Return the lock file of a SQLite database: `<database>.<name>.lock` beside it."""
    database = Path(url.database).resolve()
    return database.with_name(f"{database.name}.{name}.lock")
