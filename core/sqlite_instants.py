"""SQLite stores an instant as text and compares text: every instant goes in as UTC.

Tortoise's adapter writes an aware datetime with its own offset, so a bound in Paris time
(« 2026-12-08 00:00:00+01:00 », a day typed by a person) compared with an instant stored in
UTC (« 2026-12-07 23:30:00+00:00 », the same day in Paris) sorts as the day before: the
event falls outside its own day. PostgreSQL compares `timestamptz` values, not text. This
adapter replaces Tortoise's (registered when its SQLite executor is imported, hence the
import first), so every instant written or compared on SQLite is the UTC one.
"""

import sqlite3
from datetime import UTC, datetime

import tortoise.backends.sqlite.executor  # noqa: F401  (registers the adapter replaced here)


def _utc_text(moment: datetime) -> str:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat(" ")


sqlite3.register_adapter(datetime, _utc_text)
