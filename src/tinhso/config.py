"""Settings of a tinhso installation, read from TINHSO_* environment variables."""

from __future__ import annotations

import ipaddress
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
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
    # Sign-in throttling (accounts/throttle.py): failures free per (address, user) and per
    # device cookie, per address; waits then double from 1 s up to the longest delay.
    # Finished JSON answers kept per route and scope (web/answers.py): their memory, how long
    # a caller waits for a rebuild after the data moved before it gets the answer as it stood,
    # and how old (since superseded) that answer may be.
    answer_cache_mb: int = Field(default=128, ge=0)
    answer_fresh_wait: float = Field(default=0.25, ge=0)
    answer_stale_seconds: float = Field(default=60.0, ge=0)
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 30
    login_window_minutes: int = 1440
    login_max_delay_minutes: int = 15
    login_alert_failures: int = 10
    # Wrong bearer tokens an address may send before it waits (doubling, up to 15 minutes).
    token_max_failures: int = 10
    # Addresses or networks of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto
    # are believed (comma-separated: "10.0.0.5, 10.1.0.0/24"); none by default.
    trusted_proxies: str = ""
    province_code: str = "12"
    # Working days before a task's deadline its lead agency's home page reminds it.
    task_reminder_days: int = Field(default=5, ge=0, le=60)
    # Request bodies (web/limits.py): an uploaded file, and anything else (a JSON batch, a form).
    upload_max_mb: int = 2048
    body_max_mb: int = 16
    # What an uploaded spreadsheet may unpack to, checked before it is read (uploads.py).
    upload_unpacked_max_mb: int = 1024
    upload_member_max_mb: int = 512
    upload_max_ratio: int = 100
    upload_max_rows: int = 1_048_576
    upload_max_cells: int = 20_000_000
    upload_cell_max_chars: int = 32_767
    # Make the first pages' figures ready in the background at start-up (web/warmup.py).
    warm_up: bool = True
    # The window of plausible dates in dossier records and events: a time before ``date_min``
    # or after the end of the year ``date_max_years`` from now is refused on every path.
    date_min: date = date(2000, 1, 1)
    date_max_years: int = Field(default=10, ge=1, le=100)
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        items = [v.strip() for v in value.split(",") if v.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"TINHSO_TRUSTED_PROXIES: '{item[:60]}' không phải địa chỉ IP hay dải mạng "
                    "(ví dụ 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return ",".join(items)

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
