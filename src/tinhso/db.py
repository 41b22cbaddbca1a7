"""The system of record: engine, sessions and the declarative base."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Row ids are 64-bit integers on both databases. An id in a path, a query or a body is bounded
# by the type, so that a larger number is a 422 naming the field rather than a 500 (SQLite
# cannot even bind it); 0 and negatives are no ids either.
MAX_ID = 2**63 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]
# A count of rows to skip (``offset``): the same bound.
Offset = Annotated[int, Ge(0), Le(MAX_ID)]


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING)


class TZDateTime(TypeDecorator[datetime]):
    """A timestamp stored with its zone: aware datetimes in, aware (UTC) datetimes out.

    SQLite has no zone-aware type, so values are normalised to UTC on the way in and
    tagged UTC on the way out; PostgreSQL stores them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every timestamp must carry its zone")
        return value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """Return the reader of stored values: a time Python cannot hold (year 10000 written
        as text on SQLite, stored before the imports checked their dates) reads as empty
        instead of failing every page that shows its row."""
        inner = super().result_processor(dialect, coltype)
        if inner is None:
            return None

        def process(value: Any) -> datetime | None:
            try:
                return inner(value)
            except (ValueError, OverflowError):
                log.warning("a stored time is out of range and is read as empty")
                return None

        return process

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time, zone-aware, in UTC."""
    return datetime.now(UTC)


log = logging.getLogger(__name__)
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")
WRITE_WAIT_SECONDS = 60
# How long a statement waits for a database another writer holds (SQLite's busy timeout; on
# PostgreSQL the lock timeout, set for the web server only) before giving up as busy.
BUSY_TIMEOUT_SECONDS = 30.0
_BUSY_SQLITE = ("database is locked", "database table is locked", "database is busy")
_BUSY_PG = ("55P03", "40P01")  # lock_not_available, deadlock_detected


def is_busy(exc: OperationalError) -> bool:
    """Return True when the database refused only because another writer held it too long
    (SQLite "database is locked", PostgreSQL's lock timeout or a deadlock): try again later."""
    if getattr(exc.orig, "sqlstate", None) in _BUSY_PG:
        return True
    return str(exc.orig).startswith(_BUSY_SQLITE)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Let one connection of this process write at a time, the others waiting on a lock.

    SQLite allows one writer; a second one polls with growing sleeps (up to 100 ms each) until
    the first commits. Queuing writers on a lock instead wakes the next one the moment the
    database is free, which is what keeps concurrent API pushes fast on the embedded database.
    """
    lock = threading.Lock()

    def release(info: dict[str, Any]) -> None:
        if info.pop("tinhso_writing", False):
            lock.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        if info.get("tinhso_writing") or statement.lstrip()[:7].upper().startswith(_READS):
            return
        if lock.acquire(timeout=WRITE_WAIT_SECONDS):
            info["tinhso_writing"] = True

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        release(conn.connection.info)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Any) -> None:
        release(conn.connection.info)

    @event.listens_for(engine.pool, "reset")
    def _reset(_dbapi: Any, record: Any, _state: Any) -> None:
        release(record.info)

    @event.listens_for(engine.pool, "close")
    def _close(_dbapi: Any, record: Any) -> None:
        release(record.info)


# Connections beyond the pool's size, for the background work besides the request threads.
POOL_OVERFLOW = 8


def pool_options(url: str, size: int | None, timeout: float | None) -> dict[str, Any]:
    """Return the pool settings of an engine: ``size`` connections kept (the request threads),
    a few more allowed, and ``timeout`` seconds the checkout of one waits; none for an
    in-memory SQLite database (one connection, shared)."""
    if size is None or (url.startswith("sqlite") and ":memory:" in url):
        return {}
    options: dict[str, Any] = {"pool_size": size, "max_overflow": POOL_OVERFLOW}
    if timeout is not None:
        options["pool_timeout"] = timeout
    return options


def make_engine(url: str, busy_timeout: float | None = None, **kwargs: Any) -> Engine:
    """Return an engine for the URL, with SQLite tuned for a concurrent web server.

    ``busy_timeout`` bounds how long a statement waits for a lock another writer holds: on
    SQLite always (30 s unless given), on PostgreSQL only when given (a CLI load may wait).
    """
    if url.startswith("sqlite"):
        timeout = BUSY_TIMEOUT_SECONDS if busy_timeout is None else busy_timeout
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": timeout})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Paths and folded names are compared case-sensitively anyway; this lets a
            # "path LIKE '/12/%'" prefix match use the index.
            cur.execute("PRAGMA case_sensitive_like=ON")
            cur.close()

        _serialise_sqlite_writers(engine)
        return engine
    if busy_timeout is not None and url.startswith("postgresql"):
        options = f"-c lock_timeout={max(1, int(busy_timeout * 1000))}"
        kwargs.setdefault("connect_args", {"options": options})
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _plausible_times(dbapi_conn: Any, _record: Any) -> None:
            from tinhso.pgtypes import register_plausible_times

            register_plausible_times(dbapi_conn)

    return engine


# A pooled connection unused this long is checked (SELECT 1) before it is handed out.
PING_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle, not on every checkout.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip, and a sixth of a
    kept answer's cost on PostgreSQL, for connections that were in use a millisecond ago. A
    connection the server dropped while it sat in the pool (an idle timeout, a restart during
    a quiet time) fails the check, which raises ``DisconnectionError``: the pool opens a new
    connection and tries again (SQLAlchemy's documented checkout-event pattern). A restart
    under load can still fail the requests then in flight, once: SQLAlchemy then invalidates
    the whole pool, so the next requests get new connections."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return
        try:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT 1")
            cur.close()
            dbapi_conn.rollback()  # the driver's implicit transaction of the ping
        except Exception as exc:  # the driver's own error: the connection is gone
            raise DisconnectionError() from exc


@functools.lru_cache(maxsize=1)
def _schema_head() -> str | None:
    from tinhso.migrate import head

    return head()


def restore_indexes(engine: Engine) -> list[str]:
    """Create again the model's indexes missing from a SQLite database; return their names.

    A large load drops the dossiers' secondary indexes inside its transaction, so a failure
    brings them back; a database written by an older version, whose load committed the drop on
    its own, is repaired at its next opening. Only the indexes of tables that exist: a database
    not yet migrated is Alembic's to build. A database another writer holds is left for the
    next opening rather than waited for."""
    if engine.dialect.name != "sqlite":
        return []
    # Every domain's tables, as Alembic sees them: the database may be opened before them.
    import tinhso.models  # noqa: F401

    created: list[str] = []
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index')"
            ).all()
            tables = {str(n) for t, n in rows if t == "table"}
            present = {str(n) for t, n in rows if t == "index"}
            # The model describes the newest schema: a database an older version left behind
            # (its columns not yet added) is Alembic's to bring up first.
            if (
                "alembic_version" not in tables
                or conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                != _schema_head()
            ):
                return []
            for table in Base.metadata.sorted_tables:
                if table.name not in tables:
                    continue
                for index in sorted(table.indexes, key=lambda i: str(i.name)):
                    if index.name is not None and index.name not in present:
                        index.create(conn)
                        created.append(str(index.name))
            conn.commit()
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        return []
    return created


class Database:
    """An engine and its session factory; one per process (tests make one per test)."""

    def __init__(
        self,
        url: str,
        busy_timeout: float | None = None,
        *,
        pool_size: int | None = None,
        pool_timeout: float | None = None,
    ) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout, **pool_options(url, pool_size, pool_timeout))
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # The same engine whose connections run each statement in autocommit (reads on
        # PostgreSQL: see ``web.deps.db_session``).
        self.autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.restored_indexes = restore_indexes(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on any error."""
        with self.sessionmaker() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
