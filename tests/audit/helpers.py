"""Reading and altering the audit journal behind the application's back, on either engine."""

from tortoise import Tortoise

from core.audit.models import AuditEvent
from tests.conftest import USE_POSTGRES


async def sql(query: str, *params) -> list[dict]:
    """Raw SQL on the database, `?` placeholders on both engines."""
    if USE_POSTGRES:
        parts = query.split("?")
        query = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
    return await Tortoise.get_connection("default").execute_query_dict(query, list(params))


async def events_of(chain) -> list[AuditEvent]:
    return await AuditEvent.filter(chain=str(chain)).order_by("seq")


async def last_event(chain) -> AuditEvent:
    return (await events_of(chain))[-1]


async def count_events() -> int:
    return await AuditEvent.all().count()
