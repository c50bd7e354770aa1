"""The app database: an engine for DATABASE_URL (PostgreSQL through psycopg 3) or, when it is
unset, for a SQLite file in POLICYBOT_HOME; its migrations, and what an outage does."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.settings import Settings

log = logging.getLogger("policybot.database")

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_FILENAME = "policybot.db"
# Identifies policybot's migration among the advisory locks of a PostgreSQL database.
MIGRATION_LOCK = 0x706F6C6963790001
# A database that does not answer must cost a request seconds, not psycopg's wait forever.
CONNECT_TIMEOUT_SECONDS = 3
# How long a SQLite writer waits for another process's transaction to end.
SQLITE_BUSY_SECONDS = 10.0


class DatabaseUnavailable(Exception):
    """The database cannot be reached, or lost the connection mid-transaction (which was rolled
    back)."""


def database_url(settings: Settings) -> URL:
    """The URL to connect to: DATABASE_URL, with plain ``postgres://`` and ``postgresql://``
    read as psycopg 3, or the SQLite file in POLICYBOT_HOME when it is unset.

    settings: the app's settings.
    """
    if not settings.database_url:
        return URL.create("sqlite", database=str(settings.home / SQLITE_FILENAME))
    url = make_url(settings.database_url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


class Database:
    """One process's engine and what it knows of the database's state: an outage is logged
    once, and listeners hear of every call it failed.

    url: ``postgresql+psycopg://…`` or ``sqlite:///path`` (its directory is created).
    home: POLICYBOT_HOME; the first migration imports the feedback a ``feedback.sqlite3``
        there holds (where feedback was kept before this database).
    """

    def __init__(self, url: URL | str, home: Path | None = None) -> None:
        url = make_url(url)
        self.home = home
        self._down = False
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        if url.get_backend_name() == "sqlite":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            event.listen(self.engine, "connect", sqlite_connected)
            event.listen(self.engine, "begin", sqlite_begin)
        elif url.get_backend_name() == "postgresql":
            # pre_ping replaces a pooled connection left broken by a server restart.
            self.engine = create_engine(url, pool_pre_ping=True,
                                        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        else:
            raise ValueError(f"DATABASE_URL must be postgresql+psycopg://… or sqlite:///…, "
                             f"not {url.drivername}://")

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """settings: DATABASE_URL, else POLICYBOT_HOME's ``policybot.db``."""
        return cls(database_url(settings), settings.home)

    @property
    def dialect(self) -> str:
        """The engine's dialect: postgresql or sqlite."""
        return self.engine.dialect.name

    def listen(self, listener: Callable[[str], None]) -> None:
        """Call listener with the store's name whenever one of its calls fails for want of the
        database.

        listener: e.g. a metrics counter's increment.
        """
        self._listeners.append(listener)

    @contextmanager
    def transaction(self, store: str) -> Iterator[Connection]:
        """A connection in a transaction, committed when the block ends and rolled back when it
        raises; DatabaseUnavailable when the database cannot be reached.

        store: names the caller in logs and metrics ("feedback", "questions", …).
        """
        try:
            with self.engine.begin() as connection:
                yield connection
        except (OperationalError, InterfaceError) as exc:
            self._failed(store, exc)
            for listener in self._listeners:
                listener(store)
            # The driver's message (hosts, users) goes to the log only.
            raise DatabaseUnavailable("the database is unavailable; try again later") from exc
        self._succeeded()

    def ping(self) -> bool:
        """Whether the database answers now (for /readyz)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (OperationalError, InterfaceError) as exc:
            self._failed("ping", exc)
            return False
        self._succeeded()
        return True

    def migrate(self) -> None:
        """Bring the schema to the latest revision (``alembic upgrade head``); a no-op when it
        is there. Safe when several processes start at once: on PostgreSQL they queue on an
        advisory lock, on SQLite on the write lock of BEGIN IMMEDIATE, and each migrates in
        the transaction that holds the lock, so the second finds the schema done."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["home"] = self.home
        with self.transaction("migrate") as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Close the pooled connections (at shutdown)."""
        self.engine.dispose()

    def _failed(self, store: str, exc: Exception) -> None:
        """Start an outage; its first failure is logged."""
        with self._lock:
            first, self._down = not self._down, True
        if first:
            log.warning("database unavailable: feedback and the question log are not stored "
                        "until it is back", extra={"fields": {"store": store,
                                                              "error": repr(exc)}})

    def _succeeded(self) -> None:
        """End the outage, if there was one, and log that it ended."""
        with self._lock:
            ended, self._down = self._down, False
        if ended:
            log.info("database is back")


def sqlite_connected(connection, record) -> None:
    """Each SQLite connection: WAL, so readers never wait for a writer, and transactions begun
    by us (see sqlite_begin) rather than by the driver."""
    connection.isolation_level = None
    connection.execute("PRAGMA journal_mode=WAL")


def sqlite_begin(connection: Connection) -> None:
    """Take SQLite's write lock when a transaction begins: a transaction that reads, then
    writes, cannot then fail because another process wrote in between."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
