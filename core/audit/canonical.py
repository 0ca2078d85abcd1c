"""Canonical JSON: the exact bytes that are hashed and signed, the same on SQLite and PostgreSQL.

Values are normalised once before they are stored, and again when read back, because a JSON
column does not return the same Python types on every engine (PostgreSQL's jsonb keeps no key
order and reads 2.0 back as 2.0 or 2).
"""

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: one spelling per instant."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: audit times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def normalise(value: Any) -> Any:
    """Plain JSON types only: str, int, float, bool, None, list and dict with str keys."""
    # The order of the tests matters: a bool is an int, an enum may be a str or an int,
    # a datetime is a date.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return normalise(value.value)
    if isinstance(value, str | int | float):
        return _json_scalar(value)
    if isinstance(value, Decimal | date | time | UUID):
        return _as_text(value)
    return _container(value)


def _json_scalar(value: str | int | float) -> str | int | float:
    """A str or an int as the plain type, not a subclass of it."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite number cannot be journaled: {value}")
    # jsonb may give back 2 for 2.0: an integral float is an int.
    return int(value) if value.is_integer() else value


def _as_text(value: Decimal | date | time | UUID) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)  # a UUID


def _container(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_key(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((normalise(v) for v in value), key=lambda v: canonical_json(v))
    if hasattr(value, "model_dump"):  # a pydantic model, as services receive them
        return normalise(value.model_dump(mode="json"))
    raise TypeError(f"{type(value).__name__} cannot be journaled as JSON")


def _key(key: Any) -> str:
    if isinstance(key, Enum):
        key = key.value
    if isinstance(key, str | int | UUID):
        return str(key)
    raise TypeError(f"JSON object key must be a string, not {type(key).__name__}")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (not \\u escapes)."""
    return json.dumps(
        normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
