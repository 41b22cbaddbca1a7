"""Settings of a tinhso installation, read from TINHSO_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set; see docs/operator-guide.md."""

    model_config = SettingsConfigDict(env_prefix="TINHSO_", env_file=".env", extra="ignore")

    var_dir: Path = Field(default=REPO_ROOT / "var")
    assets_dir: Path = Field(default=REPO_ROOT / "frontend" / "dist")
    database_url: str = ""
    # None: Secure cookies whenever the request came over HTTPS (as told by the proxy).
    cookie_secure: bool | None = None
    session_hours: int = 12
    # Seconds a request waits for a database another writer holds (a long import) before it
    # answers 503 "hệ thống đang bận".
    db_busy_timeout: float = 30.0
    # Requests the server works on at once (the worker threads of the synchronous handlers);
    # the others wait their turn. The database pool holds as many connections, plus a few for
    # the background work (warm-up, the analytics sync, the event writer), so that a handler
    # never waits for a connection another handler holds while a thread is free.
    threads: int = Field(default=40, ge=1, le=500)
    # Seconds a request waits for a free database connection before it answers 503 with
    # Retry-After (it did nothing and may be sent again).
    db_pool_timeout: float = Field(default=20.0, gt=0)
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_max_failures_per_ip: int = 30
    province_code: str = "12"
    # Make the first pages' figures ready in the background at start-up (web/warmup.py).
    warm_up: bool = True
    host: str = "127.0.0.1"
    port: int = 8000

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to the embedded SQLite file under var/."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.var_dir / 'tinhso.db'}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests build their own)."""
    return Settings()
