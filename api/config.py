"""Service settings (environment prefix ``SEN_TRANSPORT_API_``): database URL, policy, job workers.

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
    job_workers: int = Field(1, ge=1, le=32, description="solver worker processes")
    max_time_limit_s: float = Field(600.0, gt=0, description="longest solver run a job may ask for")
    token_ttl_s: int = Field(3600, gt=0, description="lifetime of OAuth2 access tokens")
    auth_cache_s: float = Field(1.0, ge=0, le=1.0, description="how long a checked key or token is trusted without a "
                                "database read, at most 1 s so a revocation or expiry holds at once everywhere (0: never)")
    load_engine_at_start: bool = Field(True, description="load networks at start-up rather than on first use")
    migrate_at_start: bool = Field(True, description="upgrade the database schema to the latest revision at start-up")


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    """The process-wide service settings, read once from the environment."""
    return ApiSettings()
