"""``sen-transport serve``, ``worker`` and ``keys``: run the service and its job workers, issue and revoke API keys."""

from __future__ import annotations

import typer

keys_app = typer.Typer(help="Issue, list and revoke API keys (stored hashed; a secret is shown once).",
                       no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="port"),
    worker: bool = typer.Option(None, "--worker/--no-worker", envvar="SEN_TRANSPORT_API_EMBEDDED_WORKER",
                                help="run one optimisation job worker inside this process (default: on); "
                                     "off when `sen-transport worker` processes run the jobs", show_default=False),
    database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL",
                                     help="SQLAlchemy URL; default: a SQLite file in the cache directory"),
) -> None:
    """Start the service on the embedded defaults (SQLite, the configured data, one job worker): API docs at /docs."""
    try:
        import uvicorn

        from api.app import create_app
        from api.config import ApiSettings
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise SystemExit(f"the service needs the 'api' extra: pip install 'sen-transport[api]' ({exc.name} missing)")
    kw: dict = {}
    if database_url:
        kw["database_url"] = database_url
    if worker is not None:
        kw["embedded_worker"] = worker
    settings = ApiSettings(**kw)
    typer.echo(f"sen-transport API on http://{host}:{port} (docs /docs), database {_safe(settings.database_url)}, "
               f"{'one embedded job worker' if settings.embedded_worker else 'no embedded job worker'}", err=True)
    uvicorn.run(create_app(settings, start_jobs=settings.embedded_worker), host=host, port=port, log_level="info",
                access_log=True)


def worker(
    database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL",
                                     help="SQLAlchemy URL of the service's database; default: the SQLite file"),
) -> None:
    """Run optimisation jobs from the service's database until stopped (SIGTERM/Ctrl-C gives the running job back).

    Run as many as the machine has cores for, on this machine or others sharing a PostgreSQL database.
    """
    from api.config import ApiSettings
    from api.worker import Worker, WorkerSettings, install_signal_handlers

    from sqlalchemy.exc import OperationalError

    from api.worker import SolverDied
    from transport.domain.errors import InputError, InternalError

    settings = ApiSettings(**({"database_url": database_url} if database_url else {}))
    try:
        sessions = _sessions(settings.database_url)
    except OperationalError as exc:
        raise InputError(f"cannot reach the database {_safe(settings.database_url)} ({type(exc.orig).__name__})") from None
    w = Worker(sessions, WorkerSettings.from_api(settings))
    install_signal_handlers(w)
    typer.echo(f"sen-transport worker {w.id} on database {_safe(settings.database_url)}", err=True)
    try:
        w.run()
    except SolverDied as exc:
        raise InternalError(str(exc)) from None
    typer.echo(f"worker {w.id} stopped after {w.jobs_run} job(s)", err=True)


def _safe(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sessions(database_url: str | None):
    from api.config import ApiSettings
    from api.db import make_engine, session_factory, upgrade

    settings = ApiSettings(**({"database_url": database_url} if database_url else {}))
    upgrade(settings.database_url)
    return session_factory(make_engine(settings.database_url))


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="officer | planner | contractor | admin"),
    name: str = typer.Option("", help="who or what the key is for"),
    operator: str = typer.Option(None, help="the operator a contractor key is bound to"),
    database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL"),
) -> None:
    """Issue a key and print it once (store it: only its hash is kept)."""
    from api import audit
    from api.security import SYSTEM, Role, create_key

    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"role must be one of {', '.join(r.value for r in Role)}, got {role!r}")
    with _sessions(database_url)() as s:
        key, plain = create_key(s, role, name or f"{role} key", operator)
        audit.record(s, SYSTEM, "key.create", "api_key", key.id, f"role={role} via=cli")
        s.commit()
    typer.echo(plain)
    typer.echo(f"key id {key.id}, role {role}" + (f", operator {key.operator}" if key.operator else ""), err=True)


@keys_app.command("list")
def keys_list(database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL")) -> None:
    """List active keys (ids, roles, operators; never secrets)."""
    from api.security import active_keys

    with _sessions(database_url)() as s:
        for k in active_keys(s):
            typer.echo(f"{k.id}\t{k.role}\t{k.operator or '-'}\t{k.name}\t{k.created_at:%Y-%m-%d}")


@keys_app.command("revoke")
def keys_revoke(key_id: str, database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL")) -> None:
    """Revoke a key at once."""
    from api import audit
    from api.models import ApiKey
    from api.security import SYSTEM, revoke_key
    from transport.domain.errors import InputError

    with _sessions(database_url)() as s:
        key = s.get(ApiKey, key_id)
        if key is None or key.revoked_at is not None:
            raise InputError(f"no active key {key_id}")
        revoke_key(s, key)
        audit.record(s, SYSTEM, "key.revoke", "api_key", key.id, "via=cli")
        s.commit()
    typer.echo(f"revoked {key_id}")
