"""Service settings (environment prefix ``SEN_TRANSPORT_API_``): database URL, policy, the job queue's workers.

The embedded default is a SQLite file under the cache directory, so ``sen-transport serve`` needs no
database server; a PostgreSQL URL (``postgresql+psycopg://user:pass@host/db``) selects PostgreSQL.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from transport.domain.config import get_settings as data_settings


def _default_url() -> str:
    path = data_settings().cache_dir / "sen_transport.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


class ApiSettings(BaseSettings):
    """What the service needs beyond the engine's data settings."""

    model_config = SettingsConfigDict(env_prefix="SEN_TRANSPORT_API_", extra="ignore")

    database_url: str = Field(default_factory=_default_url, description="SQLAlchemy URL (SQLite or PostgreSQL)")
    policy: str = Field("kent", description="eligibility policy in force (name or YAML path)")
    policies: tuple[str, ...] = Field(("kent", "statutory"), description="policies a re-assessment may name")
    embedded_worker: bool = Field(True, description="`serve` runs one job worker in its own process (off: run `sen-transport worker`s)")
    worker_poll_s: float = Field(0.5, gt=0, le=60, description="how often an idle worker looks for a queued job")
    worker_heartbeat_s: float = Field(2.0, gt=0, le=60, description="how often a worker renews its running job")
    worker_stale_s: float = Field(30.0, gt=0, le=3600, description="a running job whose heartbeat is older is recovered; a worker silent this long is not alive")
    job_max_attempts: int = Field(3, ge=1, le=20, description="claims of one job before it is failed (each lost worker costs one)")
    job_overrun_s: float = Field(60.0, ge=0, description="a job still running this long after its time limit is stopped (timed out)")
    job_stop_grace_s: float = Field(10.0, gt=0, description="a solver asked to stop that is still running after this is killed")
    max_time_limit_s: float = Field(600.0, gt=0, description="longest solver run a job may ask for")
    token_ttl_s: int = Field(3600, gt=0, description="lifetime of OAuth2 access tokens")
    busy_timeout_s: float = Field(5.0, gt=0, le=60, description="longest wait for another writer's lock before a 503 + Retry-After (SQLite)")
    auth_cache_s: float = Field(1.0, ge=0, le=1.0, description="how long a checked key or token is trusted without a "
                                "database read, at most 1 s so a revocation or expiry holds at once everywhere (0: never)")
    load_engine_at_start: bool = Field(True, description="load networks at start-up rather than on first use")
    migrate_at_start: bool = Field(True, description="upgrade the database schema to the latest revision at start-up")


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    """The process-wide service settings, read once from the environment."""
    return ApiSettings()

