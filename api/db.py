"""Engines, sessions and migrations: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


BUSY_TIMEOUT_S = 5.0
"""How long a request waits for another writer's lock before it is answered 503 + Retry-After."""


def make_engine(url: str, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on, WAL and a bounded busy timeout for concurrent writers,
    PostgreSQL the same bound as its ``lock_timeout`` (``busy_timeout_s``; past it the request gets 503, see
    :func:`is_busy`)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - exercised on every connect
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # PostgreSQL: a statement waiting for another transaction's lock gives up after the same bound
    # (lock_not_available, 55P03), which the service answers 503 + Retry-After like SQLite's busy.
    options = f"-c lock_timeout={max(1, int(busy_timeout_s * 1000))}" if busy_timeout_s > 0 else ""
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options} if options else {})


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "another writer holds the lock, try again shortly":
    SQLite's ``database is locked``, or PostgreSQL's lock-not-available, serialization or deadlock codes."""
    orig = getattr(exc, "orig", exc)
    if "database is locked" in str(orig) or "database table is locked" in str(orig):
        return True
    return getattr(orig, "sqlstate", None) in {"55P03", "40001", "40P01"}


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str):
    """An Alembic config pointing at the bundled migrations and ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creates the SQLite file if needed)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision the code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""
