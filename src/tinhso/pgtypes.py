"""PostgreSQL times Python cannot hold, read as empty rather than failing the whole query.

A timestamptz column holds ``infinity``, ``-infinity`` and dates before Christ; psycopg refuses
to load them (Python's datetime ends at years 1 and 9999) and the request that read the row
fails. Every import path refuses such times now, but a database may hold them from before, or
from a hand-made correction: pages and the API show them as empty, and a warning is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from psycopg import DataError
from psycopg.types.datetime import TimestamptzLoader

log = logging.getLogger(__name__)


class PlausibleTimestamptzLoader(TimestamptzLoader):
    """The text loader of timestamptz, giving None for a time out of Python's range."""

    def load(self, data: Any) -> datetime | None:  # type: ignore[override]
        """Return the time, or None (with a warning) when Python cannot hold it."""
        try:
            return super().load(data)
        except DataError:
            log.warning("a stored time is out of range and is read as empty")
            return None


def register_plausible_times(dbapi_connection: Any) -> None:
    """Make a new psycopg connection read out-of-range times as empty."""
    dbapi_connection.adapters.register_loader("timestamptz", PlausibleTimestamptzLoader)
